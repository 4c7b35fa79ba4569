namespace Mimetic.Data;

/// <summary>What a model and a trainer need to know about a data set before reading it.</summary>
/// <param name="Name">The catalog name: <c>cifar10</c>, <c>cifar100</c> or <c>fashion-mnist</c>.</param>
/// <param name="DisplayName">A human-readable name, e.g. <c>CIFAR-10</c>.</param>
/// <param name="ClassNames">The class names, indexed by label.</param>
/// <param name="Channels">Colour channels per image.</param>
/// <param name="Height">Image height in pixels.</param>
/// <param name="Width">Image width in pixels.</param>
/// <param name="Mean">Per-channel mean of the training images, on a 0–1 scale.</param>
/// <param name="Std">Per-channel standard deviation of the training images, on a 0–1 scale.</param>
public sealed record DatasetInfo(
    string Name,
    string DisplayName,
    IReadOnlyList<string> ClassNames,
    int Channels,
    int Height,
    int Width,
    IReadOnlyList<float> Mean,
    IReadOnlyList<float> Std)
{
    /// <summary>The number of classes.</summary>
    public int ClassCount => ClassNames.Count;

    /// <summary>Bytes (or floats) per image: channels × height × width.</summary>
    public int PixelsPerImage => Channels * Height * Width;

    /// <summary>CIFAR-10: 32×32 RGB, 10 classes.</summary>
    public static DatasetInfo Cifar10 { get; } = new(
        "cifar10",
        "CIFAR-10",
        ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"],
        3,
        32,
        32,
        [0.4914f, 0.4822f, 0.4465f],
        [0.2470f, 0.2435f, 0.2616f]);

    /// <summary>CIFAR-100 with its 100 fine labels: 32×32 RGB.</summary>
    public static DatasetInfo Cifar100 { get; } = new(
        "cifar100",
        "CIFAR-100",
        [
            "apple", "aquarium_fish", "baby", "bear", "beaver", "bed", "bee", "beetle", "bicycle", "bottle",
            "bowl", "boy", "bridge", "bus", "butterfly", "camel", "can", "castle", "caterpillar", "cattle",
            "chair", "chimpanzee", "clock", "cloud", "cockroach", "couch", "crab", "crocodile", "cup", "dinosaur",
            "dolphin", "elephant", "flatfish", "forest", "fox", "girl", "hamster", "house", "kangaroo", "keyboard",
            "lamp", "lawn_mower", "leopard", "lion", "lizard", "lobster", "man", "maple_tree", "motorcycle", "mountain",
            "mouse", "mushroom", "oak_tree", "orange", "orchid", "otter", "palm_tree", "pear", "pickup_truck", "pine_tree",
            "plain", "plate", "poppy", "porcupine", "possum", "rabbit", "raccoon", "ray", "road", "rocket",
            "rose", "sea", "seal", "shark", "shrew", "skunk", "skyscraper", "snail", "snake", "spider",
            "squirrel", "streetcar", "sunflower", "sweet_pepper", "table", "tank", "telephone", "television", "tiger", "tractor",
            "train", "trout", "tulip", "turtle", "wardrobe", "whale", "willow_tree", "wolf", "woman", "worm",
        ],
        3,
        32,
        32,
        [0.5071f, 0.4865f, 0.4409f],
        [0.2673f, 0.2564f, 0.2762f]);

    /// <summary>Fashion-MNIST: 28×28 grayscale, 10 classes.</summary>
    public static DatasetInfo FashionMnist { get; } = new(
        "fashion-mnist",
        "Fashion-MNIST",
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"],
        1,
        28,
        28,
        [0.2860f],
        [0.3530f]);

    /// <summary>Checks that the description is self-consistent; throws <see cref="DataException"/> if not.</summary>
    public void Validate()
    {
        if (Channels <= 0 || Height <= 0 || Width <= 0)
        {
            throw new DataException($"{DisplayName}: image shape {Channels}x{Height}x{Width} is not positive");
        }

        if (ClassNames.Count == 0)
        {
            throw new DataException($"{DisplayName}: no class names");
        }

        if (Mean.Count != Channels || Std.Count != Channels)
        {
            throw new DataException($"{DisplayName}: mean and std need {Channels} values each, got {Mean.Count} and {Std.Count}");
        }

        foreach (float s in Std)
        {
            if (!(s > 0f))
            {
                throw new DataException($"{DisplayName}: std values must be positive");
            }
        }
    }

    /// <summary>The same description with other class names (e.g. those read from the data set's own file).</summary>
    /// <param name="classNames">Names indexed by label; must have the same count as <see cref="ClassNames"/>.</param>
    public DatasetInfo WithClassNames(IReadOnlyList<string> classNames)
    {
        ArgumentNullException.ThrowIfNull(classNames);
        if (classNames.Count != ClassNames.Count)
        {
            throw new DataException($"{DisplayName}: expected {ClassNames.Count} class names, found {classNames.Count}");
        }

        return this with { ClassNames = classNames };
    }
}
