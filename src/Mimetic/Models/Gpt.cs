using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Mimetic.Models;

/// <summary>A GPT's shape. Presets are in <see cref="GptPresets"/>.</summary>
/// <param name="VocabSize">Tokens in the vocabulary (set by the tokenizer).</param>
/// <param name="ContextLength">The longest sequence the model reads (the size of the position table).</param>
/// <param name="Width">Model width d.</param>
/// <param name="Depth">Number of blocks.</param>
/// <param name="Heads">Attention heads per block.</param>
/// <param name="MlpRatio">Hidden width of the MLP as a multiple of d.</param>
/// <param name="Position">Position embedding: a learned table (GPT-2's, the default) or a fixed sine-cosine table.</param>
public sealed record GptConfig(
    int VocabSize = 65,
    int ContextLength = 128,
    int Width = 128,
    int Depth = 4,
    int Heads = 4,
    double MlpRatio = 4,
    GptPositionEmbedding Position = GptPositionEmbedding.Learned)
{
    /// <summary>Throws <see cref="ArgumentException"/> for a shape that cannot be built.</summary>
    public void Validate()
    {
        if (VocabSize < 2 || ContextLength < 1 || Width < 1 || Depth < 1 || Heads < 1 || Width % Heads != 0 || !(MlpRatio > 0))
        {
            throw new ArgumentException(
                $"Invalid GPT config: vocabulary {VocabSize} (≥ 2), context {ContextLength} (≥ 1), width {Width} divisible by {Heads} heads, depth {Depth} (≥ 1), MLP ratio {MlpRatio} (> 0).");
        }

        if (Position == GptPositionEmbedding.SinCos && Width % 2 != 0)
        {
            throw new ArgumentException($"Invalid GPT config: sine-cosine positions need an even width, not {Width}.");
        }
    }
}

/// <summary>
/// A GPT in nanoGPT's style: token embedding plus a position embedding (learned, or a fixed sine-cosine
/// table; see <see cref="GptConfig.Position"/>), pre-norm blocks of
/// causal fused-qkv attention and MLP (the same blocks as <see cref="VisionTransformer"/>), a final
/// LayerNorm, and an output layer tied to the token embedding (logits = x·Eᵀ).
/// <para>
/// Parameter names: <c>tok_embed.weight</c> (V×d), <c>pos_embed</c> (context×d; a buffer, saved with the
/// weights but not trained, when the positions are sine-cosine),
/// <c>blocks.{i}.norm1</c>, <c>blocks.{i}.attn.qkv</c>, <c>blocks.{i}.attn.proj</c>, <c>blocks.{i}.norm2</c>,
/// <c>blocks.{i}.mlp.fc1</c>, <c>blocks.{i}.mlp.fc2</c>, <c>norm</c>. They map one to one onto GPT-2's
/// <c>wte</c>, <c>wpe</c>, <c>h.{i}.ln_1</c>, <c>attn.c_attn</c>, <c>attn.c_proj</c>, <c>ln_2</c>, <c>mlp.c_fc</c>,
/// <c>mlp.c_proj</c>, <c>ln_f</c> (GPT-2 stores its Conv1D weights transposed).
/// </para>
/// <para>
/// The default initialization is GPT-2's: normal (std 0.02) for every linear weight and both embeddings,
/// zero biases, unit LayerNorms, and the residual projections <c>attn.proj</c> and <c>mlp.fc2</c> drawn
/// with std 0.02/√(2·depth). A sine-cosine model draws (and discards) the learned table's noise all the same,
/// so for one seed it shares every other weight with the learned-position model. Mimetic initialization is applied afterwards, by name (see <see cref="Init.WeightInit"/>).
/// No dropout, so training is deterministic on CPU.
/// </para>
/// </summary>
public sealed class Gpt : nn.Module<Tensor, Tensor>
{
    /// <summary>The standard deviation of GPT-2's weight init.</summary>
    public const double InitStd = 0.02;

    private readonly Embedding tok_embed;
    // A learned parameter or a fixed buffer, named pos_embed either way (GPT-2's wpe).
    private readonly Tensor pos_embed;
    private readonly ModuleList<TransformerBlock> blocks;
    private readonly LayerNorm norm;

    /// <summary>Builds the model with GPT-2's initialization, drawing from TorchSharp's global generator.</summary>
    public Gpt(GptConfig config) : base(nameof(Gpt))
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        Config = config;
        tok_embed = nn.Embedding(config.VocabSize, config.Width);
        pos_embed = config.Position == GptPositionEmbedding.SinCos
            ? GptPositions.SinCos(config.ContextLength, config.Width)
            : nn.Parameter(zeros(config.ContextLength, config.Width));
        blocks = nn.ModuleList(Enumerable.Range(0, config.Depth)
            .Select(_ => new TransformerBlock(config.Width, config.Heads, config.MlpRatio, causal: true)).ToArray());
        norm = nn.LayerNorm(config.Width);
        RegisterComponents();   // pos_embed: a parameter (learned) or a buffer (sine-cosine)
        InitializeWeights();
    }

    /// <summary>The model's shape.</summary>
    public GptConfig Config { get; }

    /// <summary>The position table [context, d]: the parameter, or the fixed buffer.</summary>
    public Tensor PositionTable => pos_embed;

    /// <summary>Number of parameters (the tied output layer counted once).</summary>
    public long ParameterCount => parameters().Sum(p => p.numel());

    /// <summary>tokens [batch, T] (int64, T ≤ context) → next-token logits [batch, T, vocabulary].</summary>
    /// <exception cref="ArgumentException">A sequence longer than the context.</exception>
    public override Tensor forward(Tensor tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        var length = tokens.shape[^1];
        if (length > Config.ContextLength)
        {
            throw new ArgumentException($"The sequence has {length} tokens, more than the model's context of {Config.ContextLength}.");
        }

        using var scope = NewDisposeScope();
        var x = tok_embed.call(tokens) + pos_embed.narrow(0, 0, length);
        foreach (var block in blocks)
        {
            x = block.call(x);
        }

        return nn.functional.linear(norm.call(x), tok_embed.weight!).MoveToOuterDisposeScope();
    }

    private void InitializeWeights()
    {
        using var noGrad = no_grad();
        foreach (var (_, module) in named_modules())
        {
            if (module is Linear linear)
            {
                nn.init.normal_(linear.weight!, std: InitStd);
                linear.bias?.zero_();
            }
        }

        nn.init.normal_(tok_embed.weight!, std: InitStd);
        if (Config.Position == GptPositionEmbedding.Learned)
        {
            nn.init.normal_(pos_embed, std: InitStd);
        }
        else
        {
            // Same draws as a learned table, thrown away: every other weight matches the learned model of the seed.
            using var unused = empty(Config.ContextLength, Config.Width);
            nn.init.normal_(unused, std: InitStd);
        }
        var residualStd = InitStd / Math.Sqrt(2.0 * Config.Depth);
        foreach (var (name, parameter) in named_parameters())
        {
            if (name.EndsWith("attn.proj.weight", StringComparison.Ordinal) || name.EndsWith("mlp.fc2.weight", StringComparison.Ordinal))
            {
                nn.init.normal_(parameter, std: residualStd);
            }
        }
    }
}
