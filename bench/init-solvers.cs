#!/usr/bin/env -S dotnet run
// How to factorise the query/key targets of one ViT-B layer (width 768, 12 heads, head width 64), and what each way costs.
// Run from the repository root:  dotnet run bench/init-solvers.cs
// Prints, per solver, the seconds for one layer's 12 targets and how far W_q·W_kᵀ is from the float64 best rank-64 approximation.
// A randomized range finder (Halko, Martinsson & Tropp 2011) is included to show why it is not offered: the spectrum of
// α·Z + β·I is flat around the 64th singular value, so its subspace is not the top one and its products differ.
#:project ../src/Mimetic/Mimetic.csproj
using System.Diagnostics;
using System.Globalization;
using Mimetic.Init;
using static TorchSharp.torch;

const int Width = 768, Heads = 12, HeadWidth = 64, Depth = 12;
Mimetic.Training.NativeAllocator.Tune();
using var noGrad = no_grad();
using var generator = new Generator(0);
using var noise = MimeticMath.DrawLayerNoise(Width, Heads, generator);
using var target = MimeticMath.QueryKeyTarget(noise.QueryKey, 0.7, 0.7);   // 12×768×768, float64

var clock = Stopwatch.StartNew();
var (refQuery, refKey) = MimeticMath.QueryKeyFactors(target, HeadWidth, MimeticSolver.Float64Svd);
var referenceSeconds = clock.Elapsed.TotalSeconds;
using var best = refQuery.to(ScalarType.Float64).matmul(refKey.to(ScalarType.Float64).mT);
using var bestError = (target - best).square().sum([1, 2]).sqrt();
var bestDiagonal = best.diagonal(0, 1, 2).mean().item<double>();

Console.WriteLine($"one layer: {Heads} query/key targets of {Width}×{Width}, rank {HeadWidth}; ×{Depth} layers for ViT-B (value/projection adds one full-rank target per layer)");
Console.WriteLine("solver                         s/layer  excess error  diff. to best  mean diagonal");
Report("float64 SVD (reference)", referenceSeconds, refQuery, refKey);

clock.Restart();
var (gramQuery, gramKey) = MimeticMath.QueryKeyFactors(target, HeadWidth, MimeticSolver.Float32Gram);
Report("float32 Gram eigh", clock.Elapsed.TotalSeconds, gramQuery, gramKey);

using var a32 = target.to(ScalarType.Float32);
foreach (var (oversample, iterations) in new[] { (16, 0), (16, 2), (64, 2) })
{
    clock.Restart();
    var (q, k) = Randomized(a32, HeadWidth, oversample, iterations);
    Report($"randomized p={oversample} q={iterations}", clock.Elapsed.TotalSeconds, q, k);
}

clock.Restart();
using (var gram = a32.mT.matmul(a32))
{
    var gramSeconds = clock.Elapsed.TotalSeconds;
    clock.Restart();
    var (values, vectors) = linalg.eigh(gram);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"parts of the float32 route per layer: Gram matmuls {gramSeconds:F3} s, eigh {clock.Elapsed.TotalSeconds:F3} s"));
    values.Dispose();
    vectors.Dispose();
}

clock.Restart();
using (var fresh = randn([Heads, Width, Width], generator: generator))
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"drawing one layer's noise: {clock.Elapsed.TotalSeconds:F3} s"));
}

void Report(string name, double seconds, Tensor query, Tensor key)
{
    using var scope = NewDisposeScope();
    var product = query.to(ScalarType.Float64).matmul(key.to(ScalarType.Float64).mT);
    var excess = ((target - product).square().sum([1, 2]).sqrt() / bestError - 1).mean().item<double>();
    var difference = (linalg.norm(product - best) / linalg.norm(best)).item<double>();
    var diagonal = product.diagonal(0, 1, 2).mean().item<double>();
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{name,-30} {seconds,7:F3}  {100 * excess,10:F3} %  {100 * difference,11:F4} %  {diagonal,8:F4} (best {bestDiagonal:F4})"));
}

// Range finder with power iterations, then Rayleigh-Ritz: W_q·W_kᵀ = P·A with P the projection on a rank-k subspace.
static (Tensor Query, Tensor Key) Randomized(Tensor a, int rank, int oversample, int iterations)
{
    using var scope = NewDisposeScope();
    var basis = linalg.qr(a.narrow(-1, 0, rank + oversample)).Q;    // A·Ω with Ω = the first columns of I (A's law is rotation invariant)
    for (var i = 0; i < iterations; i++)
    {
        basis = linalg.qr(a.matmul(linalg.qr(a.mT.matmul(basis)).Q)).Q;
    }

    var small = basis.mT.matmul(a);                                 // l×d
    var (values, vectors) = linalg.eigh(small.matmul(small.mT));    // ascending
    var top = vectors.narrow(-1, vectors.shape[^1] - rank, rank).flip(-1);
    var sigma = values.narrow(-1, values.shape[^1] - rank, rank).flip(-1).clamp_min(0).sqrt();
    var rootS = sigma.sqrt().unsqueeze(-2);
    var query = basis.matmul(top) * rootS;                          // U·√S
    var key = small.mT.matmul(top) / sigma.unsqueeze(-2) * rootS;   // V·√S
    return (query.MoveToOuterDisposeScope(), key.MoveToOuterDisposeScope());
}
