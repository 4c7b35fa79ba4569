using System.Globalization;
using Mimetic.Io;
using static TorchSharp.torch;

namespace Mimetic.Tests.Analysis;

/// <summary>
/// One attention layer in the math convention y = x·W (each W is d×d): the matrices a test file is built from,
/// and the products the analysis must report.
/// </summary>
internal sealed record MathLayer(Tensor Query, Tensor Key, Tensor Value, Tensor Projection)
{
    public static MathLayer Random(int width, Generator generator) => new(
        randn(width, width, generator: generator), randn(width, width, generator: generator),
        randn(width, width, generator: generator), randn(width, width, generator: generator));

    /// <summary>W_q = W_k = √2·I, W_v = I, W_proj = −I: with one head W_q·W_kᵀ = 2·I and W_v·W_proj = −I.</summary>
    public static MathLayer Identity(int width) => new(
        eye(width) * Math.Sqrt(2), eye(width) * Math.Sqrt(2), eye(width), -eye(width));

    public Tensor ExpectedQueryKey(int head, int heads)
    {
        var k = Query.shape[0] / heads;
        return Query.narrow(1, head * k, k).matmul(Key.narrow(1, head * k, k).T);
    }

    public Tensor ExpectedValueProjection() => Value.matmul(Projection);

    public Tensor ExpectedValueProjection(int head, int heads)
    {
        var k = Query.shape[0] / heads;
        return Value.narrow(1, head * k, k).matmul(Projection.narrow(0, head * k, k));
    }
}

/// <summary>Writes <see cref="MathLayer"/>s as a model file in a given layout's names and storage.</summary>
internal static class LayoutFiles
{
    /// <summary>The layouts a test file can be written in (gpt2-linear is nanoGPT's storage of GPT-2's names).</summary>
    public static readonly string[] Layouts = ["timm", "mimetic", "gpt2", "gpt2-linear", "torch-mha", "split-qkv"];

    /// <summary>The tensors of the layers in <paramref name="layout"/>, each name prefixed with <paramref name="prefix"/>.</summary>
    public static List<(string Name, Tensor Tensor)> Tensors(string layout, IReadOnlyList<MathLayer> layers, string prefix = "")
    {
        var tensors = new List<(string, Tensor)>();
        for (var i = 0; i < layers.Count; i++)
        {
            var layer = layers[i];
            var d = layer.Query.shape[0];
            var fused = cat([layer.Query, layer.Key, layer.Value], 1);   // d×3d, in×out
            var n = i.ToString(CultureInfo.InvariantCulture);
            switch (layout)
            {
                case "timm" or "mimetic":
                    tensors.Add(($"{prefix}blocks.{n}.norm1.weight", ones(d)));
                    tensors.Add(($"{prefix}blocks.{n}.attn.qkv.weight", fused.T.contiguous()));
                    tensors.Add(($"{prefix}blocks.{n}.attn.qkv.bias", zeros(3 * d)));
                    tensors.Add(($"{prefix}blocks.{n}.attn.proj.weight", layer.Projection.T.contiguous()));
                    tensors.Add(($"{prefix}blocks.{n}.attn.proj.bias", zeros(d)));
                    tensors.Add(($"{prefix}blocks.{n}.mlp.fc1.weight", zeros(2 * d, d)));
                    break;
                case "gpt2":   // Hugging Face Conv1D: in×out
                    tensors.Add(($"{prefix}h.{n}.attn.c_attn.weight", fused.contiguous()));
                    tensors.Add(($"{prefix}h.{n}.attn.c_attn.bias", zeros(3 * d)));
                    tensors.Add(($"{prefix}h.{n}.attn.c_proj.weight", layer.Projection.contiguous()));
                    tensors.Add(($"{prefix}h.{n}.mlp.c_proj.weight", zeros(4 * d, d)));
                    break;
                case "gpt2-linear":   // nanoGPT: the same names in Linear storage
                    tensors.Add(($"{prefix}h.{n}.attn.c_attn.weight", fused.T.contiguous()));
                    tensors.Add(($"{prefix}h.{n}.attn.c_proj.weight", layer.Projection.T.contiguous()));
                    break;
                case "torch-mha":
                    tensors.Add(($"{prefix}layers.{n}.self_attn.in_proj_weight", fused.T.contiguous()));
                    tensors.Add(($"{prefix}layers.{n}.self_attn.in_proj_bias", zeros(3 * d)));
                    tensors.Add(($"{prefix}layers.{n}.self_attn.out_proj.weight", layer.Projection.T.contiguous()));
                    tensors.Add(($"{prefix}layers.{n}.self_attn.out_proj.bias", zeros(d)));
                    break;
                case "split-qkv":
                    tensors.Add(($"{prefix}layers.{n}.self_attn.q_proj.weight", layer.Query.T.contiguous()));
                    tensors.Add(($"{prefix}layers.{n}.self_attn.k_proj.weight", layer.Key.T.contiguous()));
                    tensors.Add(($"{prefix}layers.{n}.self_attn.v_proj.weight", layer.Value.T.contiguous()));
                    tensors.Add(($"{prefix}layers.{n}.self_attn.out_proj.weight", layer.Projection.T.contiguous()));
                    break;
                default:
                    throw new ArgumentException($"no test layout '{layout}'");
            }
        }

        return tensors;
    }

    /// <summary>The layout name the analysis reports for a test layout.</summary>
    public static string ReportedName(string layout) => layout == "gpt2-linear" ? "gpt2" : layout;

    /// <summary>Writes a safetensors file; with <paramref name="heads"/> it records <c>mimetic.heads</c>, and "mimetic" records <c>mimetic.layout</c>.</summary>
    public static string WriteSafetensors(string directory, string layout, IReadOnlyList<MathLayer> layers, int? heads, string prefix = "")
    {
        var metadata = new Dictionary<string, string> { ["format"] = "pt" };
        if (heads is { } h)
        {
            metadata["mimetic.heads"] = h.ToString(CultureInfo.InvariantCulture);
        }

        if (layout == "mimetic")
        {
            metadata["mimetic.layout"] = "mimetic";
        }

        var path = Path.Combine(directory, $"{layout}.safetensors");
        Safetensors.Write(path, Tensors(layout, layers, prefix), metadata);
        return path;
    }
}

/// <summary>A temporary folder, removed on dispose.</summary>
internal sealed class TemporaryDirectory : IDisposable
{
    public TemporaryDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "mimetic-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a leftover temporary folder is harmless.
        }
    }
}
