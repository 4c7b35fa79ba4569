namespace Mimetic.Data;

/// <summary>A batch prepared as managed arrays by the background thread, before it becomes tensors.</summary>
internal sealed class PreparedBatch
{
    public PreparedBatch(int capacity, int pixelsPerImage)
    {
        Images = new float[(long)capacity * pixelsPerImage];
        Labels = new long[capacity];
        Indices = new int[capacity];
    }

    /// <summary>Normalised images, CHW, one after another; exactly <see cref="Count"/> images.</summary>
    public float[] Images { get; }

    /// <summary>Labels.</summary>
    public long[] Labels { get; }

    /// <summary>Data set index of each image.</summary>
    public int[] Indices { get; }

    /// <summary>The batch's position in its epoch.</summary>
    public int Index { get; set; }

    /// <summary>Images in the batch (equals the array capacity).</summary>
    public int Count => Labels.Length;
}
