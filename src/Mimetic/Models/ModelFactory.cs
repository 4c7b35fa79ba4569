using Mimetic.Init;
using TorchSharp;
using static TorchSharp.torch;

namespace Mimetic.Models;

/// <summary>Builds models with a named initialization, reproducibly.</summary>
public static class ModelFactory
{
    /// <summary>
    /// Builds a Vision Transformer with its default init drawn from <c>manual_seed(seed)</c>, then applies
    /// <paramref name="init"/>. Mimetic noise comes from its own generator (seeded with
    /// <paramref name="options"/>' seed, else <paramref name="seed"/>), so for one seed a default and a
    /// mimetic model share every weight outside attention. With a <paramref name="device"/>, the model is built on the CPU (the same
    /// default weights on every device), moved there, and then initialized there (the mimetic factorisations run on that device).
    /// </summary>
    public static VisionTransformer CreateVision(VisionTransformerConfig config, string init, long seed, MimeticOptions? options = null, Device? device = null) =>
        Create(() => new VisionTransformer(config), init, seed, options, device);

    /// <summary>
    /// Builds a GPT with GPT-2's init drawn from <c>manual_seed(seed)</c>, then applies <paramref name="init"/>,
    /// exactly as <see cref="CreateVision"/> does: for one seed, every init shares the weights outside attention.
    /// </summary>
    public static Gpt CreateGpt(GptConfig config, string init, long seed, MimeticOptions? options = null, Device? device = null) =>
        Create(() => new Gpt(config), init, seed, options, device);

    private static T Create<T>(Func<T> build, string init, long seed, MimeticOptions? options, Device? device)
        where T : nn.Module
    {
        if (!WeightInit.IsKnown(init))
        {
            throw new ArgumentException($"Unknown initialization '{init}'. Known: {string.Join(", ", WeightInit.Names)}.");
        }

        manual_seed(seed);
        var model = build();
        if (device is not null && device.type != DeviceType.CPU)
        {
            model.to(device);
        }

        options ??= MimeticOptions.Vision;
        WeightInit.Apply(model, init, options with { Seed = options.Seed ?? seed });
        return model;
    }
}
