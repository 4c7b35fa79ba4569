namespace Mimetic.Data;

/// <summary>
/// The record layout of a CIFAR binary file: a few label bytes, then the image as CHW uint8
/// (all red rows top to bottom, then green, then blue).
/// </summary>
/// <param name="LabelBytes">Label bytes at the start of each record.</param>
/// <param name="LabelIndex">Which of those bytes is the label to use.</param>
/// <param name="Channels">Colour channels.</param>
/// <param name="Height">Image height.</param>
/// <param name="Width">Image width.</param>
public sealed record CifarLayout(int LabelBytes, int LabelIndex, int Channels = 3, int Height = 32, int Width = 32)
{
    /// <summary>CIFAR-10: one label byte, 3,073-byte records.</summary>
    public static CifarLayout Cifar10 { get; } = new(1, 0);

    /// <summary>CIFAR-100 with fine labels (100 classes): coarse byte, fine byte, 3,074-byte records.</summary>
    public static CifarLayout Cifar100Fine { get; } = new(2, 1);

    /// <summary>Image bytes per record.</summary>
    public int PixelsPerImage => Channels * Height * Width;

    /// <summary>Bytes per record: label bytes plus image bytes.</summary>
    public int RecordSize => LabelBytes + PixelsPerImage;
}
