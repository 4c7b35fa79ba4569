using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Onnx;

namespace Mimetic.Tests.Export;

/// <summary>Runs an ONNX model with ONNX Runtime on one input and returns the first output's values and shape.</summary>
internal static class OnnxRuntimeHarness
{
    public static (float[] Values, long[] Shape) Run(ModelProto model, string input, float[] values, long[] shape)
    {
        using var session = new InferenceSession(model.ToByteArray());
        using var value = OrtValue.CreateTensorValueFromMemory(values, shape);
        return Run(session, input, value);
    }

    public static (float[] Values, long[] Shape) Run(ModelProto model, string input, long[] values, long[] shape)
    {
        using var session = new InferenceSession(model.ToByteArray());
        using var value = OrtValue.CreateTensorValueFromMemory(values, shape);
        return Run(session, input, value);
    }

    private static (float[] Values, long[] Shape) Run(InferenceSession session, string input, OrtValue value)
    {
        using var options = new RunOptions();
        using var outputs = session.Run(options, [input], [value], session.OutputNames);
        var output = outputs[0];
        return (output.GetTensorDataAsSpan<float>().ToArray(), output.GetTensorTypeAndShape().Shape);
    }
}
