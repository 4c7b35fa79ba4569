using Mimetic.Training;
using Mimetic.Data;
using Mimetic.Language;

namespace Mimetic.Tests.Language;

/// <summary>
/// A temporary folder with a small corpus (the first 100,000 characters of Tiny Shakespeare) and its own
/// token cache, and the settings of a tiny, fast run on it. Where Tiny Shakespeare can be neither found nor downloaded,
/// each test that needs it skips (or fails; see <see cref="RealData"/>) when it calls <see cref="RequireData"/>.
/// </summary>
public sealed class LanguageTestData : IDisposable
{
    public const int Characters = 100_000;

    private readonly LanguageCorpus? corpus;
    private readonly string? missing;

    public LanguageTestData()
    {
        Root = Directory.CreateTempSubdirectory("mimetic-lm-").FullName;
        TextPath = Path.Combine(Root, "shakespeare-100k.txt");
        CacheDirectory = Path.Combine(Root, "cache");
        if (RealData.FindTinyShakespeare(out missing) is string shakespeare)
        {
            File.WriteAllText(TextPath, File.ReadAllText(shakespeare)[..Characters]);
            corpus = LanguageCorpus.Load(TextPath, CharTokenizer.KindName, 0.9, CacheDirectory);
        }
    }

    public string Root { get; }

    public string TextPath { get; }

    public string CacheDirectory { get; }

    public LanguageCorpus Corpus => corpus ?? throw RealData.Unavailable(missing ?? "Tiny Shakespeare was not loaded");

    /// <summary>Skips the calling test (or fails it) if Tiny Shakespeare could not be had.</summary>
    public void RequireData() => RealData.Require(missing);

    /// <summary>gpt-micro, a few hundred fast steps.</summary>
    public LanguageTrainingConfig Tiny(string init = "default", int steps = 60, int evalInterval = 30) => new()
    {
        Text = Corpus.TextPath,
        TextSha256 = Corpus.Sha256,
        Model = "gpt-micro",
        Init = init,
        Seed = 3,
        Steps = steps,
        EvalInterval = evalInterval,
        EvalWindows = 64,
        BatchSize = 16,
        LearningRate = 3e-3,
        MinLearningRate = 3e-4,
        WarmupSteps = 10,
        Threads = 1,
    };

    public void Dispose() => Directory.Delete(Root, recursive: true);
}

/// <summary>One language-model run through the training loop, as the tests drive it.</summary>
public sealed class LanguageRun
{
    private readonly LanguageTrainingConfig config;
    private readonly LanguageCorpus corpus;
    private readonly string directory;
    private readonly ITrainingObserver? observer;

    public LanguageRun(LanguageTrainingConfig config, LanguageCorpus corpus, string directory, ITrainingObserver? observer = null)
    {
        (this.config, this.corpus, this.directory, this.observer) = (config, corpus, directory, observer);
        using var check = new LanguageTask(config, corpus);   // validates config and corpus now, as the trainer's constructor did
    }

    public TrainingResult<LanguageMetrics> Run(long? untilStep = null, CancellationToken cancellation = default)
    {
        using var task = new LanguageTask(config, corpus);
        return new TrainingLoop<LanguageMetrics>(task, directory, observer).Run(untilStep, cancellation: cancellation);
    }
}
