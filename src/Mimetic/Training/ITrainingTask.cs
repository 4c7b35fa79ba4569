using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Mimetic.Training;

/// <summary>
/// What one kind of model brings to the one training loop (<see cref="TrainingLoop{TMetrics}"/>): the model,
/// the batches of each step, the loss, the evaluation that closes a round and the metrics it writes. Everything
/// else — optimizer, schedule, clipping, divergence stop, run files, checkpoints, exact resume, cancellation —
/// is the loop's. A new model kind is a model file plus one of these.
/// </summary>
/// <typeparam name="TMetrics">One line of the run's <c>metrics.jsonl</c>: what a round measured.</typeparam>
public interface ITrainingTask<TMetrics> : IDisposable
    where TMetrics : IRoundMetrics
{
    /// <summary>The run's config (saved as <c>config.json</c>).</summary>
    RunConfig Config { get; }

    /// <summary>What a round is called in messages: "epoch" or "evaluation".</summary>
    string RoundName { get; }

    /// <summary>Rounds of the run: each ends with an evaluation, a metrics line, saved weights and a checkpoint.</summary>
    int Rounds { get; }

    /// <summary>Optimizer steps of the whole run.</summary>
    long TotalSteps { get; }

    /// <summary>Steps of linear learning-rate warm-up.</summary>
    long WarmupSteps { get; }

    /// <summary>The step count at which round <paramref name="round"/> (0-based) ends.</summary>
    long RoundEnd(int round);

    /// <summary>Builds the model, seeded and initialized by the config.</summary>
    nn.Module<Tensor, Tensor> CreateModel();

    /// <summary>Writes what a new run directory of this kind needs besides config, status and the initial weights (a tokenizer); nothing by default.</summary>
    void WriteRunStart(RunFiles files)
    {
    }

    /// <summary>
    /// The training batches of round <paramref name="round"/> from the step <paramref name="position"/> stands at,
    /// in the order an uninterrupted run sees them; the loop stops reading at the round's end or earlier.
    /// </summary>
    IEnumerable<ITrainingBatch> Batches(int round, TrainingPosition position);

    /// <summary>Evaluates the model after a round and returns the round's metrics line.</summary>
    /// <param name="models">The model, then copies with its weights to share the evaluation (<see cref="ParallelEvaluation"/>; none without replicas).</param>
    /// <param name="totals">The round's training totals.</param>
    /// <param name="elapsedSeconds">Seconds of the round so far, an interrupted part included (training and, when called after the evaluation, evaluation).</param>
    TMetrics Measure(IReadOnlyList<nn.Module<Tensor, Tensor>> models, RoundTotals totals, Func<double> elapsedSeconds);

    /// <summary>Metadata stored in weights and checkpoints after <paramref name="roundsCompleted"/> rounds and <paramref name="stepsDone"/> steps.</summary>
    Dictionary<string, string> Metadata(int roundsCompleted, long stepsDone);

    /// <summary>
    /// What is inconsistent between a checkpoint's position and this task's schedule or the metadata stored with
    /// the checkpoint's weights (the round and step they were saved at); null when they agree.
    /// </summary>
    string? CheckPosition(TrainingPosition position, IReadOnlyDictionary<string, string> metadata);

    /// <summary>One line for the user when the run is complete.</summary>
    string Completed(TMetrics last);

    /// <summary>The round's metrics as TensorBoard scalars.</summary>
    void Log(SummaryWriter board, TMetrics metrics);
}

/// <summary>One training batch: it computes its loss on a model and counts what it held.</summary>
public interface ITrainingBatch : IDisposable
{
    /// <summary>Examples in the batch, as the throughput counts them (images or tokens).</summary>
    long Samples { get; }

    /// <summary>The mean training loss of the batch (forward pass with gradients).</summary>
    Tensor Loss(nn.Module<Tensor, Tensor> model);

    /// <summary>Correct predictions of the last <see cref="Loss"/> call, for tasks that count them; null otherwise.</summary>
    long? Correct();

    /// <summary>
    /// Part <paramref name="index"/> of <paramref name="count"/> of the batch, its examples in order (views, not copies),
    /// for one model replica of a data-parallel step: the parts' losses weighted by their <see cref="Samples"/> add up to
    /// the whole batch's, random choices included. Disposing a part leaves the batch intact.
    /// </summary>
    ITrainingBatch Part(int index, int count);
}

/// <summary>One line of a run's metrics: what a round measured.</summary>
public interface IRoundMetrics
{
    /// <summary>1-based round (epoch or evaluation).</summary>
    int Round { get; }

    /// <summary>Wall-clock seconds of the round.</summary>
    double Seconds { get; }

    /// <summary>The evaluation's loss; a non-finite one stops the run as diverged.</summary>
    double EvaluationLoss { get; }

    /// <summary>The round's measures in one line, for progress output (the round number is the caller's).</summary>
    string Describe();
}

/// <summary>A round's training totals, handed to <see cref="ITrainingTask{TMetrics}.Measure"/>.</summary>
/// <param name="Round">0-based round.</param>
/// <param name="Step">Steps done at the round's end.</param>
/// <param name="Steps">Steps in the round.</param>
/// <param name="LossSum">Sum of the round's batch losses.</param>
/// <param name="Correct">Correct predictions in the round (0 where not counted).</param>
/// <param name="Samples">Examples seen in the round.</param>
/// <param name="LearningRate">Learning rate of the round's last step.</param>
/// <param name="TrainSeconds">Seconds of training in this call (throughput).</param>
/// <param name="SecondsBefore">Wall-clock seconds of training and evaluation in the rounds before this one.</param>
public sealed record RoundTotals(int Round, long Step, int Steps, double LossSum, long Correct, long Samples, double LearningRate, double TrainSeconds, double SecondsBefore = 0);
