using Mimetic.Data;

namespace Mimetic.Vision;

/// <summary>
/// The data of a vision run: a named dataset from <see cref="DatasetCatalog"/>, or an image folder
/// (<c>folder:PATH</c>, see <see cref="ImageFolderDataset"/>), whose classes and normalisation then go into the config.
/// </summary>
public static class VisionData
{
    /// <summary>Loads the data of <paramref name="config"/>; for a folder, returns the config with its <see cref="TrainingConfig.ImageFolder"/> filled in.</summary>
    /// <exception cref="DataException">The data cannot be found or read; the message is one line.</exception>
    public static (TrainingConfig Config, DatasetSplits Data) Load(TrainingConfig config, DatasetLoadOptions options)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(options);
        if (!ImageFolderDataset.IsFolder(config.Dataset))
        {
            return (config, DatasetCatalog.Load(config.Dataset, options));
        }

        var data = ImageFolderDataset.Load(ImageFolderDataset.PathOf(config.Dataset), FolderOptions(config, options));
        return (config with { ImageFolder = ImageFolderInfo.Of(data.Train.Info) }, data);
    }

    /// <summary>The classes and normalisation a run trains with: the folder's, as saved, or the named dataset's.</summary>
    public static DatasetInfo Describe(TrainingConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (config.ImageFolder is { } folder)
        {
            var side = config.ImageSize ?? new ImageFolderOptions().ImageSize;
            return new DatasetInfo(config.Dataset, config.Dataset, folder.Classes, folder.Mean.Count, side, side, folder.Mean, folder.Std);
        }

        return DatasetCatalog.GetInfo(config.Dataset);
    }

    /// <summary>The shape a run's model is built for, before the data is read (a folder's class count is not known yet: 2).</summary>
    public static (int ImageSize, int Channels, int Classes) Shape(string dataset, int? imageSize)
    {
        if (ImageFolderDataset.IsFolder(dataset))
        {
            return (imageSize ?? new ImageFolderOptions().ImageSize, 3, 2);
        }

        var info = DatasetCatalog.GetInfo(dataset);
        return (info.Height, info.Channels, info.ClassCount);
    }

    private static ImageFolderOptions FolderOptions(TrainingConfig config, DatasetLoadOptions options)
    {
        var defaults = new ImageFolderOptions();
        return new ImageFolderOptions(config.ImageSize ?? defaults.ImageSize, config.ValFraction ?? defaults.ValidationFraction, Experiment.SubsetSeed, options.CacheDirectory);
    }
}
