using Mimetic.Io;

namespace Mimetic.Tests.Training;

/// <summary>Assertions on saved weights files.</summary>
internal static class WeightFiles
{
    /// <summary>Both files hold the same tensors with bit-identical values.</summary>
    public static void AssertSame(string a, string b)
    {
        var left = Safetensors.Open(a).ReadAll();
        var right = Safetensors.Open(b).ReadAll();
        Assert.Equal(left.Keys.Order(), right.Keys.Order());
        foreach (var (name, tensor) in left)
        {
            Assert.True(tensor.shape.SequenceEqual(right[name].shape) && tensor.eq(right[name]).all().item<bool>(), $"{name} differs");
        }
    }
}
