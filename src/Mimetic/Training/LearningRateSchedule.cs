namespace Mimetic.Training;

/// <summary>How the learning rate falls from the peak to the minimum after the warm-up.</summary>
public enum DecayShape
{
    /// <summary>Half a cosine wave (the default).</summary>
    Cosine,

    /// <summary>A straight line, which spends more steps at a high rate: suits short budgets.</summary>
    Linear,
}

/// <summary>Linear warm-up from 0 to the peak, then a cosine (or linear) decay to the minimum, by optimizer step.</summary>
/// <param name="Peak">Peak learning rate.</param>
/// <param name="Minimum">Final learning rate.</param>
/// <param name="WarmupSteps">Steps of linear warm-up.</param>
/// <param name="TotalSteps">All steps of the run.</param>
/// <param name="Shape">The decay's shape.</param>
public sealed record LearningRateSchedule(double Peak, double Minimum, long WarmupSteps, long TotalSteps, DecayShape Shape = DecayShape.Cosine)
{
    /// <summary>The learning rate for step <paramref name="step"/> (0-based).</summary>
    public double At(long step)
    {
        if (step < WarmupSteps)
        {
            return Peak * (step + 1) / WarmupSteps;
        }

        var decaySteps = Math.Max(1, TotalSteps - WarmupSteps);
        var progress = Math.Clamp((double)(step - WarmupSteps) / decaySteps, 0, 1);
        return Shape == DecayShape.Linear
            ? Minimum + (Peak - Minimum) * (1 - progress)
            : Minimum + (Peak - Minimum) * 0.5 * (1 + Math.Cos(Math.PI * progress));   // the expression of every earlier run, bit for bit
    }
}
