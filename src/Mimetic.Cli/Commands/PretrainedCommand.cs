using System.ComponentModel;
using Mimetic.Analysis.Onnx;
using Mimetic.Data;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Mimetic.Cli.Commands;

/// <summary>Settings of <c>mimetic pretrained</c>.</summary>
public sealed class PretrainedSettings : CommandSettings
{
    /// <summary>The model's name; none lists them.</summary>
    [CommandArgument(0, "[NAME]")]
    [Description("the model (e.g. all-MiniLM-L6-v2); without it, list the models and where they are")]
    public string? Name { get; init; }

    /// <summary>The NuGet packages folder.</summary>
    [CommandOption("--packages <DIR>")]
    [Description("NuGet global packages folder (default: $NUGET_PACKAGES or ~/.nuget/packages)")]
    public string? Packages { get; init; }

    /// <inheritdoc />
    public override ValidationResult Validate() =>
        Name is null || PretrainedModels.All.Any(m => string.Equals(m.Name, Name, StringComparison.OrdinalIgnoreCase))
            ? ValidationResult.Success()
            : ValidationResult.Error($"unknown pretrained model '{Name}'; known: {string.Join(", ", PretrainedModels.All.Select(m => m.Name))}");
}

/// <summary>
/// <c>mimetic pretrained NAME</c>: copies a pretrained model's <c>model.onnx</c> out of its restored NuGet package into
/// the user cache (once) and prints its path, for <c>mimetic analyze</c>. <c>make pretrained</c> restores the package first.
/// </summary>
public sealed class PretrainedCommand(IAnsiConsole console) : Command<PretrainedSettings>
{
    /// <inheritdoc />
    public override int Execute(CommandContext context, PretrainedSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.Name is null)
        {
            var table = new Table().AddColumns("model", "NuGet package", "status", "description");
            foreach (var model in PretrainedModels.All)
            {
                var status = PretrainedModels.Locate(model, packagesDirectory: settings.Packages);
                var where = status.IsCached ? $"cached: {status.CachedPath}" : status.PackageAssembly is not null ? "package restored" : "run make pretrained";
                table.AddRow(Markup.Escape(model.Name), Markup.Escape($"{model.PackageId} {model.PackageVersion}"), Markup.Escape(where), Markup.Escape(model.Description));
            }

            console.Write(table);
            return 0;
        }

        var path = PretrainedModels.Ensure(PretrainedModels.Get(settings.Name), packagesDirectory: settings.Packages);
        console.Profile.Out.Writer.WriteLine(path);
        return 0;
    }
}
