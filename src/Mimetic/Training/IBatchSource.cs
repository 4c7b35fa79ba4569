using static TorchSharp.torch;

namespace Mimetic.Training;

/// <summary>One batch: images [B, C, H, W] float32 and labels [B] int64. The consumer disposes it.</summary>
/// <param name="Images">Normalised images.</param>
/// <param name="Labels">Class indices.</param>
public sealed record Batch(Tensor Images, Tensor Labels) : IDisposable
{
    /// <inheritdoc />
    public void Dispose()
    {
        Images.Dispose();
        Labels.Dispose();
    }
}

/// <summary>Batches of one dataset split, in an order fixed by (seed, epoch).</summary>
public interface IBatchSource
{
    /// <summary>Images in the split.</summary>
    int Images { get; }

    /// <summary>Batches per epoch.</summary>
    int BatchesPerEpoch { get; }

    /// <summary>
    /// The batches of one epoch (0-based), skipping the first <paramref name="skipBatches"/>; the same
    /// (epoch, index) always gives the same batch, so a run resumed mid-epoch sees what it would have seen.
    /// </summary>
    IEnumerable<Batch> Epoch(int epoch, int skipBatches = 0);

    /// <summary>Seconds the consumer has waited for batches so far (data preparation not hidden by compute).</summary>
    double WaitSeconds { get; }
}
