using Mimetic.Io;
using Mimetic.Analysis.Layouts;
using Mimetic.Analysis.Onnx;
using static TorchSharp.torch;

namespace Mimetic.Analysis;

/// <summary>What to analyse in a model file, and how.</summary>
/// <param name="Layout">A layout name (see <see cref="AttentionLayouts.Names"/>), or <c>auto</c>.</param>
/// <param name="Heads">The head count, overriding what the file records.</param>
/// <param name="Crop">Side of the top-left corner of each product kept for pictures.</param>
public sealed record ModelAnalysisOptions(string Layout = AttentionLayouts.Auto, int? Heads = null, int Crop = 64)
{
    /// <summary>Throws <see cref="ArgumentException"/> for options that cannot work.</summary>
    public void Validate()
    {
        if (!AttentionLayouts.IsKnown(Layout))
        {
            throw new ArgumentException($"Unknown layout '{Layout}'. Known: {string.Join(", ", AttentionLayouts.Names)}.");
        }

        if (Heads is <= 0)
        {
            throw new ArgumentException($"The head count must be positive, not {Heads}.");
        }

        if (Crop < 2)
        {
            throw new ArgumentException($"The crop must be at least 2, not {Crop}.");
        }
    }
}

/// <summary>The attention weight patterns of every layer of a model file.</summary>
/// <param name="Path">The model file.</param>
/// <param name="Format"><see cref="WeightFile.SafetensorsFormat"/>, <see cref="WeightFile.PyTorchFormat"/> or <see cref="OnnxModelFile.Format"/>.</param>
/// <param name="Layout">The layout name used.</param>
/// <param name="LayoutSource">Why that layout (<c>--layout</c>, <c>metadata mimetic.layout</c>, <c>tensor names</c>).</param>
/// <param name="Heads">The head count used.</param>
/// <param name="HeadsSource">Where the head count came from (<c>--heads</c>, <c>metadata mimetic.heads</c>, …).</param>
/// <param name="Crop">The corner side requested for pictures.</param>
/// <param name="Layers">The layers, in natural name order.</param>
public sealed record ModelFileAnalysis(
    string Path,
    string Format,
    string Layout,
    string LayoutSource,
    int Heads,
    string HeadsSource,
    int Crop,
    IReadOnlyList<LayerPatterns> Layers)
{
    /// <summary>The <see cref="Layout"/> of an ONNX model: its layers are found through the graph.</summary>
    public const string OnnxGraphLayout = "onnx-graph";

    /// <summary>
    /// Reads a model file (safetensors, PyTorch state dict, or ONNX model by its <c>.onnx</c> extension) and analyses
    /// each attention layer, one at a time.
    /// </summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="InvalidModelFileException">The file is malformed or its attention weights have wrong shapes.</exception>
    /// <exception cref="ArgumentException">Bad options, no attention layers found, or no head count known.</exception>
    public static ModelFileAnalysis Analyze(string path, ModelAnalysisOptions? options = null)
    {
        options ??= new ModelAnalysisOptions();
        options.Validate();
        if (OnnxModelFile.IsOnnxPath(path))
        {
            return AnalyzeOnnx(path, options);
        }

        using var file = WeightFile.Open(path);
        var match = AttentionLayouts.Resolve(file, options.Layout);
        var (heads, headsSource) = HeadCount.Resolve(file, options.Heads);
        var layers = new List<LayerPatterns>();
        foreach (var prefix in match.Layers)
        {
            using var scope = NewDisposeScope();
            var slot = match.Layout.Read(file, prefix, heads);
            layers.Add(LayerPatterns.Of(slot, options.Crop));
        }

        return new ModelFileAnalysis(path, file.Format, match.Layout.Name, match.Source, heads, headsSource, options.Crop, layers);
    }

    private static ModelFileAnalysis AnalyzeOnnx(string path, ModelAnalysisOptions options)
    {
        if (!string.Equals(options.Layout, AttentionLayouts.Auto, StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException($"--layout applies to safetensors and PyTorch files; an ONNX model's attention layers are found through its graph (drop --layout {options.Layout}).");
        }

        var file = OnnxModelFile.Open(path);
        var found = OnnxAttentionFinder.Find(file, options.Heads);
        var layers = new List<LayerPatterns>();
        foreach (var layer in found)
        {
            using var scope = NewDisposeScope();
            layers.Add(LayerPatterns.Of(layer.ReadSlot(file), options.Crop));
        }

        var kinds = string.Join(", ", found.Select(l => l.Kind == "onnx-fused-qkv" ? "fused q/k/v" : "separate q/k/v").Distinct());
        var heads = found.Select(l => l.Heads).Distinct().ToList();
        var headsSources = string.Join(", ", found.Select(l => l.HeadsSource).Distinct());
        return new ModelFileAnalysis(
            path, OnnxModelFile.Format, OnnxGraphLayout, $"graph: MatMul(Q, Kᵀ) → Softmax → MatMul(·, V), {kinds}",
            heads.Count == 1 ? heads[0] : heads.Max(), headsSources, options.Crop, layers);
    }
}
