#!/usr/bin/env -S dotnet run
// Interleaved A/B of attention at vit-cpu's training shapes (batch 128, 64 tokens, 3 heads of width 32), forward plus
// backward: scaled_dot_product_attention (what the model uses) against the explicit softmax(QKᵀ/√k)·V.
// Run from the repository root, with nothing else running:  dotnet run bench/attention-ab.cs
#:project ../src/Mimetic/Mimetic.csproj
using System.Diagnostics;
using System.Globalization;
using static TorchSharp.torch;

const long Batch = 128, Tokens = 64, Width = 96, Heads = 3, HeadWidth = 32;
Mimetic.Training.NativeAllocator.Tune();
using var packed = randn(Batch, Tokens, 3 * Width);

for (var round = 0; round < 5; round++)
{
    var sdpa = MedianMilliseconds(Sdpa);
    var explicitForm = MedianMilliseconds(Explicit);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"round {round}: scaled_dot_product_attention {sdpa:F2} ms, explicit softmax·V {explicitForm:F2} ms (forward + backward, median of 10)"));
}

static Tensor Split(Tensor t) => t.view(Batch, Tokens, 3, Heads, HeadWidth).permute(2, 0, 3, 1, 4);

static Tensor Sdpa(Tensor t)
{
    var parts = Split(t);
    return nn.functional.scaled_dot_product_attention(parts[0], parts[1], parts[2]).transpose(1, 2).reshape(Batch, Tokens, Width);
}

static Tensor Explicit(Tensor t)
{
    var parts = Split(t);
    var weights = parts[0].matmul(parts[1].mT).mul_(1 / Math.Sqrt(HeadWidth)).softmax(-1);
    return weights.matmul(parts[2]).transpose(1, 2).reshape(Batch, Tokens, Width);
}

double MedianMilliseconds(Func<Tensor, Tensor> attention)
{
    var times = new List<double>();
    for (var i = 0; i < 13; i++)
    {
        using var scope = NewDisposeScope();
        var input = packed.detach().requires_grad_(true);
        var clock = Stopwatch.StartNew();
        var output = attention(input);
        output.backward([ones_like(output)]);
        if (i >= 3)
        {
            times.Add(clock.Elapsed.TotalMilliseconds);
        }
    }

    times.Sort();
    return (times[4] + times[5]) / 2;
}
