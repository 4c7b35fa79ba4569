namespace Mimetic.Data;

/// <summary>The training and test parts of a data set. Deconstructs as <c>var (train, test) = …</c>.</summary>
/// <param name="Train">The training images.</param>
/// <param name="Test">The test images.</param>
public sealed record DatasetSplits(ImageDataset Train, ImageDataset Test);
