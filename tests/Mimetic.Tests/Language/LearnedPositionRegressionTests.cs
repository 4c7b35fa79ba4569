using System.Globalization;
using Mimetic.Language;
using Mimetic.Models;
using static TorchSharp.torch;

namespace Mimetic.Tests.Language;

/// <summary>
/// The default (learned) positions are today's model, bit for bit: initial weights and the first losses of a short run
/// equal those computed with commit 00b0bc2, before <c>--pos</c> existed (same probe, run on that commit).
/// </summary>
public sealed class LearnedPositionRegressionTests(LanguageTestData data) : IClassFixture<LanguageTestData>
{
    /// <summary>Per parameter: preset, init, seed, name, sum and sin-weighted sum (float64); then per evaluation: step, train and validation loss.</summary>
    private const string Before = """
gpt-micro default 3 pos_embed 0.9620717382122166 0.31047054206300456
gpt-micro default 3 tok_embed.weight -0.16734191687191924 0.04646670155838262
gpt-micro default 3 blocks.0.norm1.weight 32 -0.12398728905105294
gpt-micro default 3 blocks.0.norm1.bias 0 0
gpt-micro default 3 blocks.0.attn.qkv.weight 0.3734709512181098 0.6461593654829327
gpt-micro default 3 blocks.0.attn.qkv.bias 0 0
gpt-micro default 3 blocks.0.attn.proj.weight 0.2896679989516997 -0.44560745926018663
gpt-micro default 3 blocks.0.attn.proj.bias 0 0
gpt-micro default 3 blocks.0.norm2.weight 32 -0.12398728905105294
gpt-micro default 3 blocks.0.norm2.bias 0 0
gpt-micro default 3 blocks.0.mlp.fc1.weight 1.7734772398384848 0.03539064881053988
gpt-micro default 3 blocks.0.mlp.fc1.bias 0 0
gpt-micro default 3 blocks.0.mlp.fc2.weight 0.18694572690083078 -0.2597407305132038
gpt-micro default 3 blocks.0.mlp.fc2.bias 0 0
gpt-micro default 3 blocks.1.norm1.weight 32 -0.12398728905105294
gpt-micro default 3 blocks.1.norm1.bias 0 0
gpt-micro default 3 blocks.1.attn.qkv.weight 1.310821309511084 0.5206677859602731
gpt-micro default 3 blocks.1.attn.qkv.bias 0 0
gpt-micro default 3 blocks.1.attn.proj.weight 0.5777959403712885 0.08418281127001094
gpt-micro default 3 blocks.1.attn.proj.bias 0 0
gpt-micro default 3 blocks.1.norm2.weight 32 -0.12398728905105294
gpt-micro default 3 blocks.1.norm2.bias 0 0
gpt-micro default 3 blocks.1.mlp.fc1.weight 1.4305820850206032 0.012270791313544138
gpt-micro default 3 blocks.1.mlp.fc1.bias 0 0
gpt-micro default 3 blocks.1.mlp.fc2.weight 0.5744142069597729 -0.6978610802758813
gpt-micro default 3 blocks.1.mlp.fc2.bias 0 0
gpt-micro default 3 norm.weight 32 -0.12398728905105294
gpt-micro default 3 norm.bias 0 0
gpt-cpu mimetic+ 0 pos_embed -3.7500954686381647 0.4794288758758225
gpt-cpu mimetic+ 0 tok_embed.weight -1.2222765085219294 -0.5872784837546077
gpt-cpu mimetic+ 0 blocks.0.norm1.weight 128 1.1888936528307197
gpt-cpu mimetic+ 0 blocks.0.norm1.bias 0 0
gpt-cpu mimetic+ 0 blocks.0.attn.qkv.weight -10.401440408000553 -0.7694076354089914
gpt-cpu mimetic+ 0 blocks.0.attn.qkv.bias 0 0
gpt-cpu mimetic+ 0 blocks.0.attn.proj.weight 8.964683331505512 -7.772873166009396
gpt-cpu mimetic+ 0 blocks.0.attn.proj.bias 0 0
gpt-cpu mimetic+ 0 blocks.0.norm2.weight 128 1.1888936528307197
gpt-cpu mimetic+ 0 blocks.0.norm2.bias 0 0
gpt-cpu mimetic+ 0 blocks.0.mlp.fc1.weight -7.7911273334567 -7.718493060695139
gpt-cpu mimetic+ 0 blocks.0.mlp.fc1.bias 0 0
gpt-cpu mimetic+ 0 blocks.0.mlp.fc2.weight 2.5184666282965864 -0.5396824596127938
gpt-cpu mimetic+ 0 blocks.0.mlp.fc2.bias 0 0
gpt-cpu mimetic+ 0 blocks.1.norm1.weight 128 1.1888936528307197
gpt-cpu mimetic+ 0 blocks.1.norm1.bias 0 0
gpt-cpu mimetic+ 0 blocks.1.attn.qkv.weight 5.336988531404472 0.5977289289179142
gpt-cpu mimetic+ 0 blocks.1.attn.qkv.bias 0 0
gpt-cpu mimetic+ 0 blocks.1.attn.proj.weight -5.308838677021853 1.4576774425362942
gpt-cpu mimetic+ 0 blocks.1.attn.proj.bias 0 0
gpt-cpu mimetic+ 0 blocks.1.norm2.weight 128 1.1888936528307197
gpt-cpu mimetic+ 0 blocks.1.norm2.bias 0 0
gpt-cpu mimetic+ 0 blocks.1.mlp.fc1.weight 2.463310517620812 -1.7450868209671024
gpt-cpu mimetic+ 0 blocks.1.mlp.fc1.bias 0 0
gpt-cpu mimetic+ 0 blocks.1.mlp.fc2.weight -2.8777486329331357 -2.280394415481289
gpt-cpu mimetic+ 0 blocks.1.mlp.fc2.bias 0 0
gpt-cpu mimetic+ 0 blocks.2.norm1.weight 128 1.1888936528307197
gpt-cpu mimetic+ 0 blocks.2.norm1.bias 0 0
gpt-cpu mimetic+ 0 blocks.2.attn.qkv.weight 1.0563156387661934 -7.161910849054381
gpt-cpu mimetic+ 0 blocks.2.attn.qkv.bias 0 0
gpt-cpu mimetic+ 0 blocks.2.attn.proj.weight -1.6823276735192394 -10.197760309599012
gpt-cpu mimetic+ 0 blocks.2.attn.proj.bias 0 0
gpt-cpu mimetic+ 0 blocks.2.norm2.weight 128 1.1888936528307197
gpt-cpu mimetic+ 0 blocks.2.norm2.bias 0 0
gpt-cpu mimetic+ 0 blocks.2.mlp.fc1.weight 0.844277847795766 1.9371774658208947
gpt-cpu mimetic+ 0 blocks.2.mlp.fc1.bias 0 0
gpt-cpu mimetic+ 0 blocks.2.mlp.fc2.weight 1.08107937025693 -0.6334940886038966
gpt-cpu mimetic+ 0 blocks.2.mlp.fc2.bias 0 0
gpt-cpu mimetic+ 0 blocks.3.norm1.weight 128 1.1888936528307197
gpt-cpu mimetic+ 0 blocks.3.norm1.bias 0 0
gpt-cpu mimetic+ 0 blocks.3.attn.qkv.weight -42.869465653538555 -1.0101064181138963
gpt-cpu mimetic+ 0 blocks.3.attn.qkv.bias 0 0
gpt-cpu mimetic+ 0 blocks.3.attn.proj.weight -3.07529718263026 -13.903936971234108
gpt-cpu mimetic+ 0 blocks.3.attn.proj.bias 0 0
gpt-cpu mimetic+ 0 blocks.3.norm2.weight 128 1.1888936528307197
gpt-cpu mimetic+ 0 blocks.3.norm2.bias 0 0
gpt-cpu mimetic+ 0 blocks.3.mlp.fc1.weight 7.79678354002408 0.8905132331964545
gpt-cpu mimetic+ 0 blocks.3.mlp.fc1.bias 0 0
gpt-cpu mimetic+ 0 blocks.3.mlp.fc2.weight -3.5968968096673573 -0.6984063144967364
gpt-cpu mimetic+ 0 blocks.3.mlp.fc2.bias 0 0
gpt-cpu mimetic+ 0 norm.weight 128 1.1888936528307197
gpt-cpu mimetic+ 0 norm.bias 0 0
metrics 6 4.029516696929932 3.8925598859786987
metrics 12 3.751484990119934 3.607305645942688
""";

    [SkippableFact]
    public void TheLearnedDefaultGivesTheWeightsAndLossesOfTheCodeBeforePositionsWereSelectable()
    {
        data.RequireData();
        var expected = Before.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')).ToList();
        var actual = new List<string[]>();
        foreach (var (preset, init, seed) in new[] { ("gpt-micro", "default", 3L), ("gpt-cpu", "mimetic+", 0L) })
        {
            using var model = ModelFactory.CreateGpt(new LanguageTrainingConfig { Model = preset }.ModelConfig(65), init, seed);
            foreach (var (name, p) in model.named_parameters())
            {
                using var scope = NewDisposeScope();
                var flat = p.detach().flatten().to(ScalarType.Float64);
                var w = arange(flat.shape[0], dtype: ScalarType.Float64).sin();
                actual.Add([preset, init, seed.ToString(CultureInfo.InvariantCulture), name, R(flat.sum().item<double>()), R((flat * w).sum().item<double>())]);
            }
        }

        var result = new LanguageRun(data.Tiny("default", steps: 12, evalInterval: 6), data.Corpus, Path.Combine(data.Root, "regression")).Run();
        actual.AddRange(result.Metrics.Select(m => new[] { "metrics", m.Step.ToString(CultureInfo.InvariantCulture), R(m.TrainLoss), R(m.ValLoss) }));

        Assert.Equal(expected.Count, actual.Count);
        foreach (var (want, got) in expected.Zip(actual))
        {
            const int numbers = 2;
            Assert.Equal(want[..^numbers], got[..^numbers]);
            // Losses: float32 reductions. Weights: float32 values summed in float64; the float64 SVD's last bits depend on the
            // machine's LAPACK kernels (AVX-512 vs AVX2), which moves a few weights by one float32 ulp (~3e-12 of a sum here).
            // Any real change of the init moves these sums by far more than 1e-9.
            var tolerance = want[0] == "metrics" ? 1e-6 : 1e-9;
            for (var i = want.Length - numbers; i < want.Length; i++)
            {
                var (a, b) = (double.Parse(want[i], CultureInfo.InvariantCulture), double.Parse(got[i], CultureInfo.InvariantCulture));
                Assert.True(Math.Abs(a - b) <= tolerance * Math.Max(1, Math.Abs(a)), $"{string.Join(' ', want[..^numbers])}: {a:R} before, {b:R} now");
            }
        }
    }

    private static string R(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
