using Mimetic.Io;
using Mimetic.Language;
using Mimetic.Reports;
using Mimetic.Training;
using Mimetic.Tests.Training;

namespace Mimetic.Tests.Language;

public sealed class LanguageTrainerTests(LanguageTestData data) : IClassFixture<LanguageTestData>, IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("mimetic-lmtrain-").FullName;

    [SkippableFact]
    public void ReplicasTrainAndEvaluateAGptAsOneModelUpToRounding()
    {
        data.RequireData();
        var config = data.Tiny(steps: 20, evalInterval: 10);
        var single = new LanguageRun(config, data.Corpus, Path.Combine(root, "single")).Run();
        var replicated = new LanguageRun(config with { Threads = 0, Replicas = 2 }, data.Corpus, Path.Combine(root, "replicas")).Run();
        Assert.Equal(RunState.Completed, replicated.State);
        Assert.Equal(single.Metrics.Select(m => m.Step), replicated.Metrics.Select(m => m.Step));
        foreach (var (one, shared) in single.Metrics.Zip(replicated.Metrics))
        {
            Assert.Equal(one.TrainLoss, shared.TrainLoss, 3);
            Assert.Equal(one.ValLoss, shared.ValLoss, 3);
        }
    }

    [SkippableFact]
    public void ATinyRunBeatsTheUnigramEntropyOfTheValidationSplit()
    {
        data.RequireData();
        var config = data.Tiny(steps: 300, evalInterval: 150) with { EvalWindows = null };
        var result = new LanguageRun(config, data.Corpus, Path.Combine(root, "run")).Run();

        var validation = data.Corpus.Validation;
        var entropy = -validation.GroupBy(t => t).Select(g => (double)g.Count() / validation.Length).Sum(p => p * Math.Log(p));
        Assert.Equal(RunState.Completed, result.State);
        Assert.Equal([150L, 300], result.Metrics.Select(m => m.Step));
        Assert.True(result.Metrics[^1].ValLoss < entropy - 0.1, $"validation loss {result.Metrics[^1].ValLoss:F3} vs unigram entropy {entropy:F3} nats");
        Assert.True(result.Metrics[^1].ValLoss < result.Metrics[0].ValLoss);
        var last = result.Metrics[^1];
        Assert.Equal(Math.Exp(last.ValLoss), last.Perplexity, 9);
        Assert.Equal(last.ValLoss / Math.Log(2), last.BitsPerCharacter, 9);
    }

    [SkippableFact]
    public void RunDirectoryHoldsEveryArtifact()
    {
        data.RequireData();
        var directory = Path.Combine(root, "run");
        var result = new LanguageRun(data.Tiny(), data.Corpus, directory).Run();

        var files = new RunFiles(directory);
        Assert.Equal(data.Tiny(), files.ReadConfig<LanguageTrainingConfig>());
        Assert.Equal(result.Metrics, files.ReadMetrics<LanguageMetrics>());
        Assert.Equal(RunState.Completed, files.ReadStatus()!.State);
        Assert.StartsWith("eval,step,train_loss,val_loss,perplexity,bits_per_token,bits_per_character,", File.ReadAllLines(files.MetricsCsvPath)[0], StringComparison.Ordinal);
        Assert.Equal(3, File.ReadAllLines(files.MetricsCsvPath).Length);
        Assert.NotEmpty(Directory.GetFiles(files.TensorBoardDirectory, "*tfevents*", SearchOption.AllDirectories));
        Assert.True(Checkpoint.Exists(files.CheckpointDirectory));
        var weights = Safetensors.Open(files.WeightsPath(2));
        Assert.Equal("60", weights.Metadata["mimetic.step"]);
        Assert.True(weights.Contains("blocks.1.attn.qkv.weight"));
        Assert.Equal(data.Corpus.Tokenizer.Encode("ROMEO"), TextTokenizers.Load(files.TokenizerPath).Encode("ROMEO"));
    }

    [SkippableFact]
    public void StoppingAtAStepAndResumingGivesTheSameWeights()
    {
        data.RequireData();
        var straight = Path.Combine(root, "straight");
        var split = Path.Combine(root, "split");
        var config = data.Tiny("mimetic+");
        new LanguageRun(config, data.Corpus, straight).Run();

        var first = new LanguageRun(config, data.Corpus, split).Run(untilStep: 17);   // mid-interval
        Assert.Equal(RunState.Stopped, first.State);
        Assert.Empty(first.Metrics);
        var second = new LanguageRun(config, data.Corpus, split).Run(untilStep: 30);  // at an evaluation
        Assert.Equal(RunState.Stopped, second.State);
        var resumed = new LanguageRun(config, data.Corpus, split).Run();

        Assert.Equal(RunState.Completed, resumed.State);
        WeightFiles.AssertSame(new RunFiles(straight).WeightsPath(2), new RunFiles(split).WeightsPath(2));
        Assert.Equal(new RunFiles(straight).ReadMetrics<LanguageMetrics>().Select(m => m.ValLoss), resumed.Metrics.Select(m => m.ValLoss));
    }

    [SkippableFact]
    public void CancellingSavesACheckpointThatResumesExactly()
    {
        data.RequireData();
        var straight = Path.Combine(root, "straight");
        var stopped = Path.Combine(root, "stopped");
        var config = data.Tiny(steps: 20, evalInterval: 20);
        new LanguageRun(config, data.Corpus, straight).Run();

        using var cancel = new CancellationTokenSource();
        var result = new LanguageRun(config, data.Corpus, stopped, new CancelAt(7, cancel)).Run(cancellation: cancel.Token);
        Assert.Equal(RunState.Stopped, result.State);
        Assert.Contains("step 7", result.Message, StringComparison.Ordinal);
        new LanguageRun(config, data.Corpus, stopped).Run();

        WeightFiles.AssertSame(new RunFiles(straight).WeightsPath(1), new RunFiles(stopped).WeightsPath(1));
    }

    [SkippableFact]
    public void ResumingWithAnotherConfigOrTextIsRefused()
    {
        data.RequireData();
        var directory = Path.Combine(root, "run");
        new LanguageRun(data.Tiny(steps: 10, evalInterval: 10), data.Corpus, directory).Run();
        var error = Assert.Throws<ArgumentException>(() => new LanguageRun(data.Tiny(steps: 10, evalInterval: 10) with { LearningRate = 0.5 }, data.Corpus, directory).Run());
        Assert.Contains("different config", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new LanguageRun(data.Tiny() with { TextSha256 = "00" }, data.Corpus, directory));
    }

    [SkippableFact]
    public void ComparisonReportIsWrittenFromRunDirectories()
    {
        data.RequireData();
        var comparison = Path.Combine(root, "cmp");
        foreach (var init in new[] { "default", "mimetic" })
        {
            foreach (var seed in new[] { 0L, 1L })
            {
                new LanguageRun(data.Tiny(init, steps: 20, evalInterval: 10) with { Seed = seed }, data.Corpus, Path.Combine(comparison, $"{init}-seed{seed}")).Run();
            }
        }

        var summary = ComparisonReport.Write(comparison, "test report", "mimetic lm-compare …");
        Assert.Same(MetricSchema.Language, summary.Schema);
        Assert.Equal(["default", "mimetic"], summary.Inits.Select(i => i.Init));
        Assert.All(summary.Inits, i => Assert.Equal(2, i.Runs.Count));
        Assert.Equal(summary.Inits[0].Runs.Average(r => r.Final("ValLoss")), summary.Target, 12);
        Assert.Equal(20, summary.Inits[0].ToTarget);
        Assert.Equal([10.0, 20], summary.Inits[1].Xs);
        var report = File.ReadAllText(Path.Combine(comparison, ComparisonReport.ReportFile));
        Assert.Contains("| mimetic | 2 |", report, StringComparison.Ordinal);
        Assert.Contains("bits/char", report, StringComparison.Ordinal);
        foreach (var png in new[] { MetricSchema.Language.PrimaryPlot, ComparisonReport.LossPlot })
        {
            var bytes = File.ReadAllBytes(Path.Combine(comparison, png));
            Assert.True(bytes.Length > 1000 && bytes[1] == 'P' && bytes[2] == 'N' && bytes[3] == 'G');
        }
    }

    [SkippableFact]
    public void SamplingIsSeededAndGreedyIsDeterministic()
    {
        data.RequireData();
        var directory = Path.Combine(root, "run");
        new LanguageRun(data.Tiny(steps: 30), data.Corpus, directory).Run();
        using var model = new Mimetic.Models.Gpt(Mimetic.Models.GptPresets.Get("gpt-micro", data.Corpus.Tokenizer.VocabSize));
        Checkpoint.LoadWeights(new RunFiles(directory).WeightsPath(1), model);
        var prompt = data.Corpus.Tokenizer.Encode("ROMEO:\n");

        var a = TextSampler.Generate(model, prompt, new SamplingOptions(Tokens: 40, Temperature: 1, TopK: 5, Seed: 1));
        var b = TextSampler.Generate(model, prompt, new SamplingOptions(Tokens: 40, Temperature: 1, TopK: 5, Seed: 1));
        var c = TextSampler.Generate(model, prompt, new SamplingOptions(Tokens: 40, Temperature: 1, TopK: 5, Seed: 2));
        var greedy = TextSampler.Generate(model, prompt, new SamplingOptions(Tokens: 40, Temperature: 0));

        Assert.Equal(40, a.Length);
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        Assert.Equal(greedy, TextSampler.Generate(model, prompt, new SamplingOptions(Tokens: 40, Temperature: 0, Seed: 9)));
        Assert.All(a, id => Assert.InRange(id, 0, data.Corpus.Tokenizer.VocabSize - 1));
    }

    public void Dispose() => Directory.Delete(root, recursive: true);


    private sealed class CancelAt(long step, CancellationTokenSource cancel) : ITrainingObserver
    {
        public void StepFinished(StepReport report)
        {
            if (report.Step >= step)
            {
                cancel.Cancel();
            }
        }
    }
}
