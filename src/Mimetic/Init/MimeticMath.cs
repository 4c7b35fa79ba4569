using TorchSharp;
using static TorchSharp.torch;

namespace Mimetic.Init;

/// <summary>
/// The paper's equations, and nothing else. Row-vector convention: q = x·W_q, so W_q is d×k and a
/// TorchSharp <c>Linear</c> stores its transpose. Width d, h heads, head width k = d/h,
/// Z a d×d matrix of i.i.d. N(0, 1/d) entries, fresh for every draw.
/// <list type="bullet">
/// <item>Query/key, per head: α1·Z + β1·I = U·S·Vᵀ; W_q = U[:, :k]·√S[:k], W_k = V[:, :k]·√S[:k],
/// so W_q·W_kᵀ is the best rank-k approximation of the target.</item>
/// <item>Value/projection, per layer, full rank: α2·Z + sign·β2·I = U·S·Vᵀ; W_v = U·√S,
/// W_proj = √S·Vᵀ, so W_v·W_proj equals the target exactly.</item>
/// <item>Not in the paper — the "speedrun" value/projection variant: each factor is itself a small scaled
/// identity plus noise, W_v = √β2·I + α2·Z_v and W_proj = sign·√β2·I + α2·Z_p, so head i's k value columns
/// read its own k channels (a √β2·I_k block) and its projection rows write them back (a sign·√β2·I_k block):
/// W_v,i·W_proj,i ≈ sign·β2 on head i's channels, and W_v·W_proj ≈ sign·β2·I.</item>
/// </list>
/// The factors come back as float32; <see cref="MimeticSolver"/> picks how the SVD is computed. Noise is drawn on the CPU (so a seed
/// gives the same Z on every device); targets and factors are computed on the device of the tensors passed in.
/// </summary>
public static class MimeticMath
{
    /// <summary>
    /// Draws the noise of one layer, in a fixed order: first the h query/key matrices (one h×d×d draw),
    /// then the value/projection matrix (one d×d draw). Entries are N(0, 1/d).
    /// </summary>
    public static LayerNoise DrawLayerNoise(int width, int heads, Generator? generator)
    {
        using var scope = NewDisposeScope();
        var queryKey = randn([heads, width, width], ScalarType.Float32, generator: generator).mul_(1.0 / Math.Sqrt(width));
        var valueProjection = DrawNoise(width, generator);
        return new LayerNoise(queryKey.MoveToOuterDisposeScope(), valueProjection.MoveToOuterDisposeScope());
    }

    /// <summary>One d×d matrix Z with N(0, 1/d) entries.</summary>
    public static Tensor DrawNoise(int width, Generator? generator) =>
        randn([width, width], ScalarType.Float32, generator: generator).mul_(1.0 / Math.Sqrt(width));

    /// <summary>The per-head query/key targets α1·Z + β1·I, shape h×d×d (float64).</summary>
    public static Tensor QueryKeyTarget(Tensor noise, double alpha1, double beta1)
    {
        using var scope = NewDisposeScope();
        var width = noise.shape[^1];
        return (noise.to(ScalarType.Float64) * alpha1 + eye(width, dtype: ScalarType.Float64, device: noise.device) * beta1).MoveToOuterDisposeScope();
    }

    /// <summary>The value/projection target α2·Z + sign·β2·I, shape d×d (float64).</summary>
    public static Tensor ValueProjectionTarget(Tensor noise, double alpha2, double beta2, int sign)
    {
        using var scope = NewDisposeScope();
        var width = noise.shape[^1];
        return (noise.to(ScalarType.Float64) * alpha2 + eye(width, dtype: ScalarType.Float64, device: noise.device) * (sign * beta2)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Rank-k factors of each head's target: W_q = U[:, :k]·√S[:k] and W_k = V[:, :k]·√S[:k], both h×d×k.
    /// </summary>
    public static (Tensor Query, Tensor Key) QueryKeyFactors(Tensor target, int headWidth, MimeticSolver solver = MimeticSolver.Float64Svd) =>
        BalancedFactors(target, headWidth, solver);

    /// <summary>Full-rank factors of the layer's target: W_v = U·√S and W_proj = √S·Vᵀ, both d×d.</summary>
    public static (Tensor Value, Tensor Projection) ValueProjectionFactors(Tensor target, MimeticSolver solver = MimeticSolver.Float64Svd)
    {
        using var scope = NewDisposeScope();
        var (left, right) = BalancedFactors(target, (int)target.shape[^1], solver);
        return (left.MoveToOuterDisposeScope(), right.mT.contiguous().MoveToOuterDisposeScope());
    }

    /// <summary>
    /// Balanced rank-r factors of each d×d matrix A = U·S·Vᵀ in <paramref name="target"/> (…×d×d):
    /// L = U[:, :r]·√S[:r] and R = V[:, :r]·√S[:r] (float32, …×d×r), so L·Rᵀ is A's best rank-r approximation, A itself at r = d.
    /// <see cref="MimeticSolver.Float64Svd"/> takes U, S, V from a float64 SVD. <see cref="MimeticSolver.Float32Gram"/> takes V from the
    /// float32 eigendecomposition of AᵀA = V·S²·Vᵀ and then U·S = A·V and σ_i = ‖A·v_i‖ (accurate even where the eigenvalue
    /// σ_i² is lost to rounding), so L·Rᵀ = A·V_r·V_rᵀ holds to float32 rounding whatever the accuracy of S.
    /// <see cref="MimeticSolver.Auto"/> picks one of the two by the width d and the target's device (<see cref="MimeticOptions.Resolve(MimeticSolver, int, DeviceType)"/>).
    /// The factors are on the target's device.
    /// </summary>
    public static (Tensor Left, Tensor Right) BalancedFactors(Tensor target, int rank, MimeticSolver solver)
    {
        ArgumentNullException.ThrowIfNull(target);
        using var scope = NewDisposeScope();
        Tensor left, right;
        if (MimeticOptions.Resolve(solver, (int)target.shape[^1], target.device_type) == MimeticSolver.Float32Gram)
        {
            var a = target.to(ScalarType.Float32);
            var (_, vectors) = linalg.eigh(a.mT.matmul(a));                // ascending eigenvalues
            var v = vectors.narrow(-1, vectors.shape[^1] - rank, rank).flip(-1); // top r, largest first
            var av = a.matmul(v);                                            // U·S
            var rootS = linalg.vector_norm(av, dims: [-2], keepdim: true).sqrt_();
            left = av / rootS.clamp_min(1e-30);                              // U·√S (a zero column stays zero)
            right = v * rootS;                                               // V·√S
        }
        else
        {
            var (u, s, vh) = linalg.svd(target.to(ScalarType.Float64), fullMatrices: false);
            var rootS = s.narrow(-1, 0, rank).sqrt().unsqueeze(-2);          // …×1×r
            left = (u.narrow(-1, 0, rank) * rootS).to(ScalarType.Float32);   // scales column j of U by √S_j
            right = (vh.mT.narrow(-1, 0, rank) * rootS).to(ScalarType.Float32);
        }

        return (left.MoveToOuterDisposeScope(), right.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// The speedrun variant's factors (not in the paper): W_v = √β2·I + α2·Z_v and W_proj = sign·√β2·I + α2·Z_p, both d×d.
    /// </summary>
    public static (Tensor Value, Tensor Projection) IdentityBlockFactors(Tensor valueNoise, Tensor projectionNoise, double alpha2, double beta2, int sign)
    {
        ArgumentNullException.ThrowIfNull(valueNoise);
        ArgumentNullException.ThrowIfNull(projectionNoise);
        using var scope = NewDisposeScope();
        var identity = eye(valueNoise.shape[^1], dtype: ScalarType.Float32, device: valueNoise.device) * Math.Sqrt(beta2);
        var value = identity + valueNoise * alpha2;
        var projection = identity * sign + projectionNoise * alpha2;
        return (value.MoveToOuterDisposeScope(), projection.MoveToOuterDisposeScope());
    }
}

/// <summary>The noise Z of one attention layer.</summary>
/// <param name="QueryKey">h×d×d, one matrix per head.</param>
/// <param name="ValueProjection">d×d.</param>
public sealed record LayerNoise(Tensor QueryKey, Tensor ValueProjection) : IDisposable
{
    /// <inheritdoc />
    public void Dispose()
    {
        QueryKey.Dispose();
        ValueProjection.Dispose();
    }
}
