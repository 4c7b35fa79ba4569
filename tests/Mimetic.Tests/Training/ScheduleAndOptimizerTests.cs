using Mimetic.Models;
using Mimetic.Training;

namespace Mimetic.Tests.Training;

public class ScheduleAndOptimizerTests
{
    [Fact]
    public void ScheduleWarmsUpLinearlyThenDecaysByCosineToTheMinimum()
    {
        var schedule = new LearningRateSchedule(Peak: 1e-3, Minimum: 1e-5, WarmupSteps: 10, TotalSteps: 110);
        Assert.Equal(1e-4, schedule.At(0), 12);
        Assert.Equal(5e-4, schedule.At(4), 12);
        Assert.Equal(1e-3, schedule.At(10), 12);
        Assert.Equal((1e-3 + 1e-5) / 2, schedule.At(60), 12);
        Assert.Equal(1e-5, schedule.At(110), 12);
        for (var step = 11; step < 110; step++)
        {
            Assert.True(schedule.At(step) < schedule.At(step - 1));
        }
    }

    [Fact]
    public void LinearScheduleFallsByTheSameAmountEveryStepToTheMinimum()
    {
        var schedule = new LearningRateSchedule(Peak: 1e-3, Minimum: 0, WarmupSteps: 10, TotalSteps: 110, Shape: DecayShape.Linear);
        var cosine = schedule with { Shape = DecayShape.Cosine };
        Assert.Equal(cosine.At(3), schedule.At(3), 15);   // the warm-up is shared
        Assert.Equal(1e-3, schedule.At(10), 12);
        Assert.Equal(0.75e-3, schedule.At(35), 12);
        Assert.Equal(0.5e-3, schedule.At(60), 12);
        Assert.Equal(0, schedule.At(110), 12);
        for (var step = 12; step < 110; step++)
        {
            Assert.Equal(schedule.At(step - 2) - schedule.At(step - 1), schedule.At(step - 1) - schedule.At(step), 12);
        }

        Assert.True(schedule.At(35) < cosine.At(35));   // below the cosine in the first half of the decay,
        Assert.True(schedule.At(85) > cosine.At(85));   // above it in the second
    }

    [Fact]
    public void WeightDecaySkipsNormsBiasesPositionsAndClassToken()
    {
        using var model = new VisionTransformer(VisionPresets.Get("vit-micro") with { Pool = Pooling.ClassToken, Position = PositionEmbedding.Learned });
        var decayed = model.named_parameters().Where(p => OptimizerFactory.IsDecayed(p.name, p.parameter)).Select(p => p.name).ToHashSet();
        Assert.Contains("blocks.0.attn.qkv.weight", decayed);
        Assert.Contains("blocks.1.mlp.fc2.weight", decayed);
        Assert.Contains("patch_embed.proj.weight", decayed);
        Assert.Contains("head.weight", decayed);
        foreach (var name in new[] { "pos_embed", "cls_token", "blocks.0.norm1.weight", "blocks.0.attn.qkv.bias", "head.bias", "norm.weight" })
        {
            Assert.DoesNotContain(name, decayed);
        }

        using var optimizer = OptimizerFactory.Create(model, 1e-3, 0.05);
        Assert.Equal(2, optimizer.ParamGroups.Count());
    }
}
