using TorchSharp;

namespace Mimetic.Data;

/// <summary>
/// One batch from a <see cref="BatchLoader"/>: normalised images and their labels as tensors. The batch owns
/// the tensors: dispose it when done (or let an enclosing dispose scope take them).
/// </summary>
public sealed class DataBatch : IDisposable
{
    internal DataBatch(torch.Tensor images, torch.Tensor labels, int index, int[] sampleIndices)
    {
        Images = images;
        Labels = labels;
        Index = index;
        SampleIndices = sampleIndices;
    }

    /// <summary>Images, float32, shape [B, C, H, W], normalised with the data set's mean and std.</summary>
    public torch.Tensor Images { get; }

    /// <summary>Labels, int64, shape [B].</summary>
    public torch.Tensor Labels { get; }

    /// <summary>The batch's position in its epoch, from 0.</summary>
    public int Index { get; }

    /// <summary>The number of images (B).</summary>
    public int Count => SampleIndices.Count;

    /// <summary>The data set index of each image in the batch.</summary>
    public IReadOnlyList<int> SampleIndices { get; }

    /// <inheritdoc />
    public void Dispose()
    {
        Images.Dispose();
        Labels.Dispose();
    }
}
