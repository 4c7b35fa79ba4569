// A stock TorchSharp TransformerEncoder, mimetic init from the Mimetic package, and the identity scores it gives.
using System.Globalization;
using Mimetic.Analysis;
using Mimetic.Devices;
using Mimetic.Init;
using TorchSharp;
using static TorchSharp.torch;

const int width = 64, heads = 4, depth = 2;
var device = DeviceSelector.Resolve(args.Length > 0 ? args[0] : "auto");
Console.WriteLine($"device: {DeviceSelector.Name(device)}");

manual_seed(0);
using var encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(width, heads), depth);
encoder.to(device);
var report = MimeticInitializer.Apply(encoder, MimeticOptions.Vision with { Seed = 0 }, multiheadAttentionHeads: heads);
encoder.to(CPU);

Console.WriteLine($"mimetic init set {report.Layers.Count} attention layers of TorchSharp's TransformerEncoder (width {width}, {heads} heads)");
Console.WriteLine($"{"layer",-20} {"W_q·W_kᵀ identity (mean of heads)",34} {"W_v·W_proj identity",20}");
foreach (var layer in AttentionAnalysis.Of(encoder, heads))
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{layer.Name,-20} {layer.QueryKeyIdentityScore,34:F3} {layer.ValueProjection.IdentityScore,20:F3}"));
}

using var input = randn(10, 3, width); // (sequence, batch, width), TorchSharp's default layout
using var output = encoder.call(input);
Console.WriteLine($"forward pass: output shape [{string.Join(", ", output.shape)}], finite: {output.isfinite().all().item<bool>()}");
