// Classifies one image with a Vision Transformer exported by `mimetic export`, using ONNX Runtime alone.
// Usage: OnnxClassifier MODEL.onnx IMAGE
using System.Globalization;
using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

if (args.Length != 2)
{
    Console.Error.WriteLine("usage: OnnxClassifier MODEL.onnx IMAGE");
    return 2;
}

using var session = new InferenceSession(args[0]);
var metadata = session.ModelMetadata.CustomMetadataMap;
var classes = JsonSerializer.Deserialize<string[]>(metadata["mimetic.classes"])!;
var mean = JsonSerializer.Deserialize<float[]>(metadata["mimetic.mean"])!;
var std = JsonSerializer.Deserialize<float[]>(metadata["mimetic.std"])!;
var size = int.Parse(metadata["mimetic.image_size"], CultureInfo.InvariantCulture);

// As in training: shorter side to `size` (bicubic), centre crop, RGB, x/255, (x - mean) / std, NCHW.
using var image = Image.Load<Rgb24>(args[1]);
if (image.Width != size || image.Height != size)
{
    var (w, h) = image.Width <= image.Height
        ? (size, Math.Max(size, (int)Math.Round((double)image.Height * size / image.Width)))
        : (Math.Max(size, (int)Math.Round((double)image.Width * size / image.Height)), size);
    image.Mutate(c =>
    {
        if (w != image.Width || h != image.Height)
        {
            c.Resize(w, h, KnownResamplers.Bicubic);
        }

        c.Crop(new Rectangle((w - size) / 2, (h - size) / 2, size, size));
    });
}

var input = new float[3 * size * size];
for (var y = 0; y < size; y++)
{
    for (var x = 0; x < size; x++)
    {
        var p = image[x, y];
        var i = (y * size) + x;
        input[i] = ((p.R / 255f) - mean[0]) / std[0];
        input[(size * size) + i] = ((p.G / 255f) - mean[1]) / std[1];
        input[(2 * size * size) + i] = ((p.B / 255f) - mean[2]) / std[2];
    }
}

using var tensor = OrtValue.CreateTensorValueFromMemory(input, [1, 3, size, size]);
using var options = new RunOptions();
using var outputs = session.Run(options, ["images"], [tensor], ["logits"]);
var logits = outputs[0].GetTensorDataAsSpan<float>().ToArray();
var max = logits.Max();
var exp = logits.Select(l => Math.Exp(l - max)).ToArray();
var probabilities = exp.Select(e => e / exp.Sum()).ToArray();
foreach (var (c, rank) in Enumerable.Range(0, classes.Length).OrderByDescending(c => probabilities[c]).Take(3).Select((c, r) => (c, r + 1)))
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{rank}. {classes[c]} {probabilities[c]:P1}"));
}

return 0;
