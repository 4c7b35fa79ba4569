using TorchSharp;

namespace Mimetic.Init;

/// <summary>Which halves of self-attention the mimetic initializer sets.</summary>
public enum MimeticParts
{
    /// <summary>Query/key and value/projection (the paper's method).</summary>
    Both,

    /// <summary>Only query/key: W_q·W_kᵀ ≈ α1·Z + β1·I per head; value and projection keep their init.</summary>
    QueryKeyOnly,

    /// <summary>Only value/projection: W_v·W_proj = α2·Z + sign·β2·I per layer; query and key keep their init.</summary>
    ValueProjectionOnly,

    /// <summary>
    /// Only value/projection, the "speedrun" variant (not in the paper): W_v = √β2·I + α2·Z_v and
    /// W_proj = sign·√β2·I + α2·Z_p, a small identity block per head in each factor plus noise; query and key keep their init.
    /// </summary>
    ValueProjectionIdentityBlocks,
}

/// <summary>How the singular value decompositions of the targets are computed.</summary>
public enum MimeticSolver
{
    /// <summary>
    /// On the CPU, <see cref="Float64Svd"/> up to width <see cref="MimeticOptions.AutoFloat64MaxWidth"/>, where it is cheap (ViT-Tiny: well
    /// under a second) and keeps earlier results bit for bit, and <see cref="Float32Gram"/> above it (ViT-B: about 5× faster). On any other
    /// device (CUDA) always <see cref="Float32Gram"/>: float64 is slow on most GPUs, and the products agree to float32 rounding.
    /// </summary>
    Auto,

    /// <summary>LAPACK SVD of each target in float64: the paper's equations literally.</summary>
    Float64Svd,

    /// <summary>
    /// Eigendecomposition of each target's Gram matrix AᵀA in float32, then U·S = A·V and σ_i = ‖A·v_i‖: the same products up
    /// to float32 rounding (singular vectors may differ in sign, which the products do not see).
    /// </summary>
    Float32Gram,
}

/// <summary>
/// Settings of mimetic initialization (Trockman &amp; Kolter, ICML 2023). The defaults are the paper's
/// vision settings: α1 = β1 = 0.7 for query/key, α2 = β2 = 0.4 for value/projection, with the
/// value/projection identity negated (W_v·W_proj ≈ −I).
/// </summary>
/// <param name="Alpha1">Noise scale α1 of the query/key target α1·Z + β1·I.</param>
/// <param name="Beta1">Identity weight β1 of the query/key target.</param>
/// <param name="Alpha2">Noise scale α2 of the value/projection target α2·Z + sign·β2·I.</param>
/// <param name="Beta2">Identity weight β2 of the value/projection target.</param>
/// <param name="ValueProjectionSign">Sign of the value/projection identity: −1 for vision (the paper), +1 as some language models prefer.</param>
/// <param name="Parts">Which halves to initialize.</param>
/// <param name="Seed">Seed of the noise Z; <see langword="null"/> draws from TorchSharp's default generator.</param>
/// <param name="Solver">How the targets are factorised; the noise drawn is the same for every solver.</param>
public sealed record MimeticOptions(
    double Alpha1 = 0.7,
    double Beta1 = 0.7,
    double Alpha2 = 0.4,
    double Beta2 = 0.4,
    int ValueProjectionSign = -1,
    MimeticParts Parts = MimeticParts.Both,
    long? Seed = null,
    MimeticSolver Solver = MimeticSolver.Auto)
{
    /// <summary>The widest model that <see cref="MimeticSolver.Auto"/> factorises with <see cref="MimeticSolver.Float64Svd"/>.</summary>
    public const int AutoFloat64MaxWidth = 256;

    /// <summary>The paper's vision settings (the defaults).</summary>
    public static MimeticOptions Vision { get; } = new();

    /// <summary>Whether the query/key half is initialized.</summary>
    public bool InitializesQueryKey => Parts is MimeticParts.Both or MimeticParts.QueryKeyOnly;

    /// <summary>Whether the value/projection half is initialized.</summary>
    public bool InitializesValueProjection => Parts is MimeticParts.Both or MimeticParts.ValueProjectionOnly;

    /// <summary>The solver used for a layer of width <paramref name="width"/> on the CPU: <see cref="Solver"/> with <see cref="MimeticSolver.Auto"/> resolved.</summary>
    public MimeticSolver SolverFor(int width) => Resolve(Solver, width);

    /// <summary>The solver used for a layer of width <paramref name="width"/> whose weights are on <paramref name="device"/>.</summary>
    public MimeticSolver SolverFor(int width, DeviceType device) => Resolve(Solver, width, device);

    /// <summary><paramref name="solver"/>, or for <see cref="MimeticSolver.Auto"/> the solver it picks at <paramref name="width"/> on the CPU.</summary>
    public static MimeticSolver Resolve(MimeticSolver solver, int width) => Resolve(solver, width, DeviceType.CPU);

    /// <summary>
    /// <paramref name="solver"/>, or for <see cref="MimeticSolver.Auto"/> the solver it picks at <paramref name="width"/> on
    /// <paramref name="device"/>: float64 SVDs only on the CPU up to <see cref="AutoFloat64MaxWidth"/>, the float32 route elsewhere.
    /// </summary>
    public static MimeticSolver Resolve(MimeticSolver solver, int width, DeviceType device) => solver switch
    {
        MimeticSolver.Auto => device == DeviceType.CPU && width <= AutoFloat64MaxWidth ? MimeticSolver.Float64Svd : MimeticSolver.Float32Gram,
        _ => solver,
    };

    /// <summary>
    /// The largest α or β accepted. They scale the targets α·Z + β·I of W_q·W_kᵀ and W_v·W_proj, of order 1 in the paper;
    /// far above, the float32 weights lose the smaller term entirely (β·I below α·Z's precision) or overflow.
    /// </summary>
    public const double MaxScale = 1e6;

    /// <summary>Throws <see cref="ArgumentException"/> when a setting is out of range.</summary>
    public void Validate()
    {
        RequireNonNegative(Alpha1, nameof(Alpha1));
        RequireNonNegative(Beta1, nameof(Beta1));
        RequireNonNegative(Alpha2, nameof(Alpha2));
        RequireNonNegative(Beta2, nameof(Beta2));
        if (ValueProjectionSign is not (1 or -1))
        {
            throw new ArgumentException($"{nameof(ValueProjectionSign)} must be +1 or -1, not {ValueProjectionSign}.", nameof(ValueProjectionSign));
        }

        if (!Enum.IsDefined(Solver))
        {
            throw new ArgumentException($"{nameof(Solver)} has the unknown value {(int)Solver}.", nameof(Solver));
        }

        if (!Enum.IsDefined(Parts))
        {
            throw new ArgumentException($"{nameof(Parts)} has the unknown value {(int)Parts}.", nameof(Parts));
        }
    }

    private static void RequireNonNegative(double value, string name)
    {
        if (!double.IsFinite(value) || value < 0 || value > MaxScale)
        {
            throw new ArgumentException($"{name} must be a finite number between 0 and {MaxScale:G}, not {value}.", name);
        }
    }
}
