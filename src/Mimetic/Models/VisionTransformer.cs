using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Mimetic.Models;

/// <summary>How a Vision Transformer tells patches apart by position.</summary>
public enum PositionEmbedding
{
    /// <summary>A learned table, initialized with truncated normal noise (std 0.02), as in timm.</summary>
    Learned,

    /// <summary>Fixed 2-D sine-cosine features of the patch's row and column (as in MAE). With mimetic
    /// query/key (W_q·W_kᵀ ≈ I) the attention logits contain P·Pᵀ, so the initial attention is local.</summary>
    SinCos2D,
}

/// <summary>How the token sequence becomes one vector for the classifier.</summary>
public enum Pooling
{
    /// <summary>Global average over patch tokens.</summary>
    Average,

    /// <summary>A learned class token prepended to the sequence.</summary>
    ClassToken,
}

/// <summary>A Vision Transformer's shape. Presets are in <see cref="VisionPresets"/>.</summary>
/// <param name="ImageSize">Input height and width in pixels.</param>
/// <param name="PatchSize">Patch height and width in pixels.</param>
/// <param name="Channels">Input channels.</param>
/// <param name="Classes">Output classes.</param>
/// <param name="Width">Model width d.</param>
/// <param name="Depth">Number of blocks.</param>
/// <param name="Heads">Attention heads per block.</param>
/// <param name="MlpRatio">Hidden width of the MLP as a multiple of d.</param>
/// <param name="Position">Position embedding kind.</param>
/// <param name="Pool">Pooling kind.</param>
/// <param name="FusedAttention">Attention by the C# kernel of <see cref="Models.FusedAttention"/> where it applies (equal to float rounding); off by default.</param>
public sealed record VisionTransformerConfig(
    int ImageSize = 32,
    int PatchSize = 4,
    int Channels = 3,
    int Classes = 10,
    int Width = 96,
    int Depth = 6,
    int Heads = 3,
    double MlpRatio = 4,
    PositionEmbedding Position = PositionEmbedding.SinCos2D,
    Pooling Pool = Pooling.Average,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingDefault)] bool FusedAttention = false)
{
    /// <summary>Patches per side.</summary>
    public int GridSize => ImageSize / PatchSize;

    /// <summary>Tokens the blocks see (patches, plus one with a class token).</summary>
    public int Tokens => GridSize * GridSize + (Pool == Pooling.ClassToken ? 1 : 0);

    /// <summary>Throws <see cref="ArgumentException"/> for a shape that cannot be built.</summary>
    public void Validate()
    {
        Require(ImageSize > 0 && PatchSize > 0 && ImageSize % PatchSize == 0, $"image size {ImageSize} is not a multiple of patch size {PatchSize}");
        Require(Channels > 0 && Classes > 1, "channels must be positive and classes at least 2");
        Require(Width > 0 && Depth > 0 && Heads > 0 && Width % Heads == 0, $"width {Width} is not divisible by {Heads} heads");
        Require(Position != PositionEmbedding.SinCos2D || Width % 4 == 0, $"2-D sin-cos position embeddings need a width divisible by 4, not {Width}");
        Require(MlpRatio > 0, "the MLP ratio must be positive");
    }

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new ArgumentException($"Invalid Vision Transformer config: {message}.");
        }
    }
}

/// <summary>
/// A pre-norm Vision Transformer: strided-convolution patch embedding, position embedding, blocks of
/// fused-qkv attention and MLP, final norm, pooling and a linear head. Parameter names follow timm
/// (<c>patch_embed.proj</c>, <c>pos_embed</c>, <c>blocks.{i}.attn.qkv</c>, …), and the default
/// initialization is timm's: truncated normal (std 0.02) linear weights, zero biases, unit norms.
/// Mimetic initialization is applied afterwards, by name (see <see cref="Init.WeightInit"/>).
/// </summary>
public sealed class VisionTransformer : nn.Module<Tensor, Tensor>
{
    private readonly PatchEmbedding patch_embed;
    private readonly Parameter? cls_token;
    private readonly ModuleList<TransformerBlock> blocks;
    private readonly LayerNorm? norm;
    private readonly LayerNorm? fc_norm;
    private readonly Linear head;

    // Either a learned parameter or a fixed buffer, named pos_embed as in timm.
    private readonly Tensor pos_embed;

    /// <summary>Builds the model with timm's default initialization, drawing from TorchSharp's global generator.</summary>
    public VisionTransformer(VisionTransformerConfig config) : base(nameof(VisionTransformer))
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        Config = config;
        patch_embed = new PatchEmbedding(config.Channels, config.Width, config.PatchSize);
        if (config.Pool == Pooling.ClassToken)
        {
            cls_token = nn.Parameter(zeros(1, 1, config.Width));
        }

        blocks = nn.ModuleList(Enumerable.Range(0, config.Depth)
            .Select(_ => new TransformerBlock(config.Width, config.Heads, config.MlpRatio, causal: false, config.FusedAttention)).ToArray());
        if (config.Pool == Pooling.Average)
        {
            fc_norm = nn.LayerNorm(config.Width);
        }
        else
        {
            norm = nn.LayerNorm(config.Width);
        }

        head = nn.Linear(config.Width, config.Classes);
        if (config.Position == PositionEmbedding.Learned)
        {
            pos_embed = nn.Parameter(zeros(1, config.Tokens, config.Width));
        }
        else
        {
            pos_embed = SinCosPositionEmbedding(config);
        }

        RegisterComponents();   // registers pos_embed as a parameter (learned) or a buffer (fixed)
        InitializeWeights();
    }

    /// <summary>The model's shape.</summary>
    public VisionTransformerConfig Config { get; }

    /// <summary>images [batch, channels, H, W] → logits [batch, classes].</summary>
    public override Tensor forward(Tensor images)
    {
        using var scope = NewDisposeScope();
        var x = patch_embed.call(images);                                      // B×N×d
        if (cls_token is not null)
        {
            x = cat([cls_token.expand(x.shape[0], -1, -1), x], dim: 1);
        }

        return Classify(x + pos_embed).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// images → logits, seeing only a random <c>1 − dropFraction</c> of each image's patch tokens (drawn from
    /// <paramref name="generator"/>, after the position embedding; a class token is always kept): a cheaper
    /// training step in the manner of PatchDropout (Liu et al., 2022).
    /// </summary>
    public Tensor forward(Tensor images, double dropFraction, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(images);
        using var kept = KeptTokens(images.shape[0], Config.GridSize * Config.GridSize, dropFraction, generator);
        return forward(images, kept);
    }

    /// <summary>
    /// The patch tokens each of <paramref name="batch"/> images keeps when <paramref name="dropFraction"/> of its
    /// <paramref name="tokens"/> are dropped at random: indices [batch, keep] on the CPU, row i for image i (so the
    /// rows of a part of the batch are that part's draw).
    /// </summary>
    public static Tensor KeptTokens(long batch, long tokens, double dropFraction, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(generator);
        ArgumentOutOfRangeException.ThrowIfNegative(dropFraction);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(dropFraction, 1);
        using var scope = NewDisposeScope();
        var keep = Math.Max(1, (long)Math.Round(tokens * (1 - dropFraction)));
        return rand([batch, tokens], generator: generator).argsort(1)[.., ..(int)keep].contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>images → logits, seeing only the patch tokens <paramref name="keptTokens"/> names for each image ([B, keep], see <see cref="KeptTokens"/>).</summary>
    public Tensor forward(Tensor images, Tensor keptTokens)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(keptTokens);
        using var scope = NewDisposeScope();
        var x = patch_embed.call(images);                                      // B×N×d
        var (batch, width) = (x.shape[0], x.shape[2]);
        x = x + (cls_token is null ? pos_embed : pos_embed[.., 1..]);
        var kept = keptTokens.to(x.device);                                    // B×keep
        x = x.gather(1, kept.unsqueeze(-1).expand(-1, -1, width));
        if (cls_token is not null)
        {
            x = cat([cls_token.expand(batch, -1, -1) + pos_embed[.., ..1], x], dim: 1);
        }

        return Classify(x).MoveToOuterDisposeScope();
    }

    /// <summary>Blocks, norm, pooling and head on embedded tokens [B, N, d].</summary>
    private Tensor Classify(Tensor x)
    {
        foreach (var block in blocks)
        {
            x = block.call(x);
        }

        var pooled = cls_token is not null ? norm!.call(x)[.., 0] : fc_norm!.call(x.mean([1]));
        return head.call(pooled);
    }

    /// <summary>
    /// 2-D sine-cosine position features (MAE): half the channels encode the row, half the column,
    /// each as sin and cos of position·ω with ω_i = 10000^(−i/(d/4)). A class token gets zeros.
    /// </summary>
    public static Tensor SinCosPositionEmbedding(VisionTransformerConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        using var scope = NewDisposeScope();
        var quarter = config.Width / 4;
        var omega = pow(10000.0, -arange(quarter, dtype: ScalarType.Float64) / quarter);     // d/4
        var grid = arange(config.GridSize, dtype: ScalarType.Float64);
        var rows = grid.repeat_interleave(config.GridSize);                                    // N: row of each patch
        var columns = grid.repeat(config.GridSize);                                            // N: column of each patch
        var rowAngles = outer(rows, omega);
        var columnAngles = outer(columns, omega);
        var table = cat([rowAngles.sin(), rowAngles.cos(), columnAngles.sin(), columnAngles.cos()], dim: 1);  // N×d
        if (config.Pool == Pooling.ClassToken)
        {
            table = cat([zeros(1, config.Width, dtype: ScalarType.Float64), table], dim: 0);
        }

        return table.unsqueeze(0).to(ScalarType.Float32).MoveToOuterDisposeScope();
    }

    private void InitializeWeights()
    {
        using var noGrad = no_grad();
        foreach (var (_, module) in named_modules())
        {
            if (module is Linear linear)
            {
                TruncatedNormal.Fill(linear.weight!, std: 0.02, a: -0.04, b: 0.04);
                linear.bias?.zero_();
            }
        }

        if (Config.Position == PositionEmbedding.Learned)
        {
            TruncatedNormal.Fill(pos_embed, std: 0.02, a: -0.04, b: 0.04);
        }

        if (cls_token is not null)
        {
            nn.init.normal_(cls_token, std: 1e-6);
        }
    }
}

/// <summary>Cuts an image into non-overlapping patches and embeds each with one strided convolution.</summary>
internal sealed class PatchEmbedding : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d proj;

    public PatchEmbedding(int channels, int width, int patchSize) : base(nameof(PatchEmbedding))
    {
        proj = nn.Conv2d(channels, width, kernel_size: patchSize, stride: patchSize);
        RegisterComponents();
    }

    /// <summary>[B, C, H, W] → [B, patches, d].</summary>
    public override Tensor forward(Tensor images)
    {
        using var scope = NewDisposeScope();
        return proj.call(images).flatten(2).transpose(1, 2).MoveToOuterDisposeScope();
    }
}
