using System.Globalization;
using Google.Protobuf;
using Mimetic.Models;
using Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace Mimetic.Export;

/// <summary>
/// Writes Vision Transformers and GPTs as standard ONNX graphs (opset <see cref="Opset"/>, with
/// <c>LayerNormalization</c>), built node by node with OnnxSharp's protobuf types. The batch dimension (and a GPT's
/// sequence length) is dynamic. Attention is written as PyTorch exports it — a fused x·W_qkv, a Reshape to
/// (…, 3, h, k), a Transpose and one Gather per part, MatMul(Q, Kᵀ) scaled by 1/√k, Softmax, MatMul with V and the
/// output projection — so <c>mimetic analyze</c> finds the layers in the exported file. Projection weights are stored
/// in×out (x·W) under the parameter's name with <c>_t</c> appended.
/// </summary>
public static class OnnxExporter
{
    /// <summary>The ONNX operator set the graphs use.</summary>
    public const int Opset = 17;

    /// <summary>The ViT's input: float32 images [batch, channels, height, width], normalised as in training.</summary>
    public const string ImagesInput = "images";

    /// <summary>The GPT's input: int64 token ids [batch, sequence].</summary>
    public const string TokensInput = "tokens";

    /// <summary>The output of both models: class logits [batch, classes] or next-token logits [batch, sequence, vocabulary].</summary>
    public const string LogitsOutput = "logits";

    private const float LayerNormEpsilon = 1e-5f;

    /// <summary>The ONNX model of a Vision Transformer, with <paramref name="metadata"/> as its metadata_props.</summary>
    public static ModelProto Vision(VisionTransformer model, IReadOnlyDictionary<string, string> metadata)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(metadata);
        var config = model.Config;
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var weights = model.state_dict();
        var g = new OnnxGraphWriter("mimetic-vit");
        g.Graph.Input.Add(OnnxGraphWriter.Value(ImagesInput, TensorProto.Types.DataType.Float, "batch", config.Channels, config.ImageSize, config.ImageSize));
        var patches = g.Node("Conv", [ImagesInput, g.Weight("patch_embed.proj.weight", weights["patch_embed.proj.weight"]), g.Weight("patch_embed.proj.bias", weights["patch_embed.proj.bias"])],
            OnnxGraphWriter.Ints("kernel_shape", config.PatchSize, config.PatchSize), OnnxGraphWriter.Ints("strides", config.PatchSize, config.PatchSize));
        var flat = g.Node("Reshape", [patches, g.Int64s("patch_shape", [0, config.Width, -1])]);
        var x = g.Node("Transpose", [flat], OnnxGraphWriter.Ints("perm", 0, 2, 1));            // B×N×d
        if (config.Pool == Pooling.ClassToken)
        {
            var batch = g.Node("Slice", [g.Node("Shape", [x]), g.Int64s("batch_start", [0]), g.Int64s("batch_end", [1])]);
            var expandTo = g.Node("Concat", [batch, g.Int64s("class_token_rest", [1, config.Width])], OnnxGraphWriter.Int("axis", 0));
            var classTokens = g.Node("Expand", [g.Weight("cls_token", weights["cls_token"]), expandTo]);
            x = g.Node("Concat", [classTokens, x], OnnxGraphWriter.Int("axis", 1));
        }

        x = g.Node("Add", [x, g.Weight("pos_embed", weights["pos_embed"])]);
        var blocks = new BlockWriter(g, weights, config.Width, config.Heads, causalMask: null);
        for (var i = 0; i < config.Depth; i++)
        {
            x = blocks.Write(x, i);
        }

        string pooled;
        if (config.Pool == Pooling.ClassToken)
        {
            var first = g.Node("Gather", [x, g.Int64s("class_token_index", [0], scalar: true)], OnnxGraphWriter.Int("axis", 1));
            pooled = blocks.LayerNorm(first, "norm");
        }
        else
        {
            var mean = g.Node("ReduceMean", [x], OnnxGraphWriter.Ints("axes", 1), OnnxGraphWriter.Int("keepdims", 0));
            pooled = blocks.LayerNorm(mean, "fc_norm");
        }

        blocks.Linear(pooled, "head");
        g.NameLastOutput(LogitsOutput);
        g.Graph.Output.Add(OnnxGraphWriter.Value(LogitsOutput, TensorProto.Types.DataType.Float, "batch", config.Classes));
        return Model(g, metadata);
    }

    /// <summary>The ONNX model of a GPT: token ids [batch, sequence ≤ context] → logits [batch, sequence, vocabulary].</summary>
    public static ModelProto Gpt(Gpt model, IReadOnlyDictionary<string, string> metadata)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(metadata);
        var config = model.Config;
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var weights = model.state_dict();
        var g = new OnnxGraphWriter("mimetic-gpt");
        g.Graph.Input.Add(OnnxGraphWriter.Value(TokensInput, TensorProto.Types.DataType.Int64, "batch", "sequence"));
        var embedding = g.Weight("tok_embed.weight", weights["tok_embed.weight"]);
        var tokens = g.Node("Gather", [embedding, TokensInput], OnnxGraphWriter.Int("axis", 0));   // B×T×d
        var length = g.Node("Slice", [g.Node("Shape", [TokensInput]), g.Int64s("length_start", [1]), g.Int64s("length_end", [2])]);
        var positions = g.Node("Slice", [g.Weight("pos_embed", weights["pos_embed"]), g.Int64s("position_start", [0]), length, g.Int64s("position_axis", [0])]);
        var x = g.Node("Add", [tokens, positions]);

        // 0 on and below the diagonal, −∞ above: the causal mask of scaled_dot_product_attention, cut to T×T.
        var context = config.ContextLength;
        var mask = new float[(long)context * context];
        for (var row = 0; row < context; row++)
        {
            for (var column = row + 1; column < context; column++)
            {
                mask[((long)row * context) + column] = float.NegativeInfinity;
            }
        }

        var maskEnds = g.Node("Concat", [length, length], OnnxGraphWriter.Int("axis", 0));
        var causal = g.Node("Slice", [g.Floats("causal_mask", mask, context, context), g.Int64s("mask_start", [0, 0]), maskEnds, g.Int64s("mask_axes", [0, 1])]);
        var blocks = new BlockWriter(g, weights, config.Width, config.Heads, causal);
        for (var i = 0; i < config.Depth; i++)
        {
            x = blocks.Write(x, i);
        }

        var normed = blocks.LayerNorm(x, "norm");
        var tied = g.Node("Transpose", [embedding], OnnxGraphWriter.Ints("perm", 1, 0));         // the output layer is xEᵀ
        g.Node("MatMul", [normed, tied]);
        g.NameLastOutput(LogitsOutput);
        g.Graph.Output.Add(OnnxGraphWriter.Value(LogitsOutput, TensorProto.Types.DataType.Float, "batch", "sequence", config.VocabSize));
        return Model(g, metadata);
    }

    /// <summary>Writes <paramref name="model"/> to <paramref name="path"/> atomically (a temporary file, then a rename).</summary>
    public static void Save(ModelProto model, string path)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(path);
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temporary = full + ".tmp";
        File.WriteAllBytes(temporary, model.ToByteArray());
        File.Move(temporary, full, overwrite: true);
    }

    private static ModelProto Model(OnnxGraphWriter g, IReadOnlyDictionary<string, string> metadata)
    {
        var model = new ModelProto
        {
            IrVersion = 8,
            ProducerName = "mimetic",
            ProducerVersion = typeof(OnnxExporter).Assembly.GetName().Version?.ToString(3) ?? "0",
            Graph = g.Graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        foreach (var (key, value) in metadata.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        }

        return model;
    }

    /// <summary>Writes the shared pre-norm blocks (and LayerNorms and linear layers) by parameter name.</summary>
    private sealed class BlockWriter(OnnxGraphWriter g, IDictionary<string, Tensor> weights, int width, int heads, string? causalMask)
    {
        private readonly int headWidth = width / heads;
        private string? qkvShape;
        private string? mergedShape;
        private string? scale;

        public string Write(string x, int index)
        {
            var prefix = "blocks." + index.ToString(CultureInfo.InvariantCulture);
            var attended = Attention(LayerNorm(x, prefix + ".norm1"), prefix + ".attn");
            var h = g.Node("Add", [x, attended]);
            var hidden = Linear(LayerNorm(h, prefix + ".norm2"), prefix + ".mlp.fc1");
            return g.Node("Add", [h, Linear(Gelu(hidden), prefix + ".mlp.fc2")]);
        }

        public string LayerNorm(string x, string name) =>
            g.Node("LayerNormalization", [x, g.Weight(name + ".weight", weights[name + ".weight"]), g.Weight(name + ".bias", weights[name + ".bias"])],
                OnnxGraphWriter.Int("axis", -1), OnnxGraphWriter.Float("epsilon", LayerNormEpsilon));

        /// <summary>x·Wᵀ + b, with Wᵀ stored as <c>NAME.weight_t</c>.</summary>
        public string Linear(string x, string name)
        {
            var product = g.Node("MatMul", [x, g.Weight(name + ".weight_t", weights[name + ".weight"].t())]);
            return g.Node("Add", [product, g.Weight(name + ".bias", weights[name + ".bias"])]);
        }

        // GELU with erf, as nn.GELU(): x · ½ · (1 + erf(x / √2)).
        private string Gelu(string x)
        {
            var erf = g.Node("Erf", [g.Node("Mul", [x, Constant("gelu_inv_sqrt2", (float)(1 / Math.Sqrt(2)))])]);
            var half = g.Node("Mul", [g.Node("Add", [erf, Constant("gelu_one", 1f)]), Constant("gelu_half", 0.5f)]);
            return g.Node("Mul", [x, half]);
        }

        private string Attention(string x, string name)
        {
            qkvShape ??= g.Int64s("qkv_shape", [0, 0, 3, heads, headWidth]);
            mergedShape ??= g.Int64s("merged_shape", [0, 0, width]);
            scale ??= g.Scalar("attention_scale", (float)(1 / Math.Sqrt(headWidth)));
            var qkv = Linear(x, name + ".qkv");                                                          // B×N×3d
            var parts = g.Node("Transpose", [g.Node("Reshape", [qkv, qkvShape])], OnnxGraphWriter.Ints("perm", 2, 0, 3, 1, 4));  // 3×B×h×N×k
            var query = Part(parts, 0);
            var key = Part(parts, 1);
            var value = Part(parts, 2);
            var scores = g.Node("Mul", [g.Node("MatMul", [query, g.Node("Transpose", [key], OnnxGraphWriter.Ints("perm", 0, 1, 3, 2))]), scale]);
            if (causalMask is not null)
            {
                scores = g.Node("Add", [scores, causalMask]);
            }

            var weighted = g.Node("MatMul", [g.Node("Softmax", [scores], OnnxGraphWriter.Int("axis", -1)), value]);   // B×h×N×k
            var merged = g.Node("Reshape", [g.Node("Transpose", [weighted], OnnxGraphWriter.Ints("perm", 0, 2, 1, 3)), mergedShape]);
            return Linear(merged, name + ".proj");
        }

        private string Part(string parts, int index) =>
            g.Node("Gather", [parts, Index(index)], OnnxGraphWriter.Int("axis", 0));

        private readonly Dictionary<int, string> indices = [];
        private readonly Dictionary<string, string> constants = new(StringComparer.Ordinal);

        private string Index(int index) =>
            indices.TryGetValue(index, out var name) ? name : indices[index] = g.Int64s($"qkv_part_{index}", [index], scalar: true);

        private string Constant(string name, float value) =>
            constants.TryGetValue(name, out var existing) ? existing : constants[name] = g.Scalar(name, value);
    }
}
