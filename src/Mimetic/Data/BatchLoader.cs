using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.ExceptionServices;
using TorchSharp;

namespace Mimetic.Data;

/// <summary>
/// Iterates over a data set in batches of normalised image tensors and label tensors. A background thread
/// prepares the next few batches (augmentation and normalisation on managed arrays) while the consumer computes;
/// the consumer only turns each prepared batch into tensors. Order and augmentation depend only on
/// (<see cref="BatchLoaderOptions.Seed"/>, epoch), never on thread timing.
/// </summary>
/// <example>
/// <code>
/// using var loader = new BatchLoader(train, BatchLoaderOptions.Training(128, seed: 1));
/// foreach (var batch in loader.Epoch(epoch)) { using (batch) { /* forward, backward */ } }
/// </code>
/// </example>
public sealed class BatchLoader : IDisposable
{
    private readonly HashSet<EpochRun> _running = [];
    private readonly Lock _lock = new();
    private readonly PixelNormalizer _normalizer;
    private long _waitTicks;
    private long _lastEpochWaitTicks;
    private bool _disposed;

    /// <summary>Creates a loader; no thread starts until an epoch is enumerated.</summary>
    /// <param name="dataset">The images.</param>
    /// <param name="options">Batch size, shuffling, augmentation, seed.</param>
    /// <exception cref="DataException">The options are out of range.</exception>
    public BatchLoader(ImageDataset dataset, BatchLoaderOptions options)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Dataset = dataset;
        Options = options;
        _normalizer = PixelNormalizer.For(dataset.Info);
    }

    /// <summary>The data set.</summary>
    public ImageDataset Dataset { get; }

    /// <summary>The options.</summary>
    public BatchLoaderOptions Options { get; }

    /// <summary>Batches in one epoch.</summary>
    public int BatchesPerEpoch => Options.DropLast
        ? Dataset.Count / Options.BatchSize
        : (Dataset.Count + Options.BatchSize - 1) / Options.BatchSize;

    /// <summary>Images in one epoch (all of them, or fewer when the last partial batch is dropped).</summary>
    public int ImagesPerEpoch => Options.DropLast ? BatchesPerEpoch * Options.BatchSize : Dataset.Count;

    /// <summary>Total time the consumer has waited for prepared batches, over all epochs.</summary>
    public TimeSpan WaitTime => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _waitTicks));

    /// <summary>Time the consumer waited for prepared batches in the most recently started epoch.</summary>
    public TimeSpan LastEpochWaitTime => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _lastEpochWaitTicks));

    /// <summary>The order in which an epoch visits the data set: a seeded permutation, or 0, 1, 2, … without shuffling.</summary>
    /// <param name="epoch">The epoch number.</param>
    public int[] EpochOrder(int epoch)
    {
        var order = new int[Dataset.Count];
        for (int i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        if (Options.Shuffle)
        {
            new SplitMix64(SplitMix64.Combine(Options.Seed, epoch, 0x5_4F_FF_1E)).Shuffle(order);
        }

        return order;
    }

    /// <summary>
    /// The batches of one epoch. Preparation starts when enumeration starts and stops when the enumerator is disposed
    /// (a <c>foreach</c> does that, also on <c>break</c> or an exception) or the loader is disposed.
    /// </summary>
    /// <param name="epoch">The epoch number; with the seed it fixes the order and augmentation.</param>
    /// <param name="startBatch">Skip the epoch's first batches (a run resumed mid-epoch); the rest are exactly those of a full epoch.</param>
    public IEnumerable<DataBatch> Epoch(int epoch, int startBatch = 0)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfNegative(startBatch);
        return Enumerate(epoch, startBatch);
    }

    /// <summary>Stops any background preparation and waits for its thread to end.</summary>
    public void Dispose()
    {
        EpochRun[] runs;
        lock (_lock)
        {
            _disposed = true;
            runs = [.. _running];
        }

        foreach (EpochRun run in runs)
        {
            run.Stop();
        }
    }

    /// <summary>The same batches as <see cref="Epoch"/>, as managed arrays without tensors (for tests and benchmarks).</summary>
    internal IEnumerable<PreparedBatch> EnumeratePrepared(int epoch, int startBatch = 0)
    {
        using EpochRun run = Start(epoch, startBatch);
        Interlocked.Exchange(ref _lastEpochWaitTicks, 0);
        while (true)
        {
            long start = Stopwatch.GetTimestamp();
            bool got = run.TryTake(out PreparedBatch? prepared);
            long waited = Stopwatch.GetTimestamp() - start;
            Interlocked.Add(ref _waitTicks, waited);
            Interlocked.Add(ref _lastEpochWaitTicks, waited);
            if (!got)
            {
                break;
            }

            yield return prepared!;
            run.Return(prepared!);
        }

        run.ThrowIfFailed();
    }

    private IEnumerable<DataBatch> Enumerate(int epoch, int startBatch)
    {
        foreach (PreparedBatch prepared in EnumeratePrepared(epoch, startBatch))
        {
            yield return ToTensors(prepared);
        }
    }

    private DataBatch ToTensors(PreparedBatch prepared)
    {
        int count = prepared.Count;
        torch.Tensor images = torch.tensor(prepared.Images, [count, Dataset.Channels, Dataset.Height, Dataset.Width]);
        torch.Tensor labels = torch.tensor(prepared.Labels, [count]);
        return new DataBatch(images, labels, prepared.Index, (int[])prepared.Indices.Clone());
    }

    private EpochRun Start(int epoch, int startBatch)
    {
        var run = new EpochRun(this, epoch, startBatch);
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _running.Add(run);
        }

        run.StartThread();
        return run;
    }

    private void Forget(EpochRun run)
    {
        lock (_lock)
        {
            _running.Remove(run);
        }
    }

    /// <summary>One enumeration of one epoch: the producer thread and its queues.</summary>
    private sealed class EpochRun : IDisposable
    {
        private readonly BatchLoader _loader;
        private readonly int _epoch;
        private readonly BlockingCollection<PreparedBatch> _ready;
        private readonly ConcurrentQueue<PreparedBatch> _free = new();
        private readonly CancellationTokenSource _stop = new();
        private readonly Thread _thread;
        private Exception? _failure;
        private int _stopped;

        private readonly int _startBatch;

        public EpochRun(BatchLoader loader, int epoch, int startBatch)
        {
            _loader = loader;
            _epoch = epoch;
            _startBatch = startBatch;
            _ready = new BlockingCollection<PreparedBatch>(loader.Options.PrefetchBatches);
            _thread = new Thread(Produce) { IsBackground = true, Name = $"Mimetic batch preparation (epoch {epoch})" };
        }

        public void StartThread() => _thread.Start();

        public bool TryTake(out PreparedBatch? batch)
        {
            try
            {
                return _ready.TryTake(out batch, Timeout.Infinite, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                throw new ObjectDisposedException(nameof(BatchLoader), "the batch loader was disposed during an epoch");
            }
        }

        public void Return(PreparedBatch batch)
        {
            if (batch.Count == _loader.Options.BatchSize)
            {
                _free.Enqueue(batch);
            }
        }

        public void ThrowIfFailed()
        {
            if (_failure is not null)
            {
                ExceptionDispatchInfo.Capture(_failure).Throw();
            }
        }

        /// <summary>Asks the producer to stop and waits for its thread; safe to call more than once, from any thread.</summary>
        public void Stop()
        {
            if (Interlocked.Exchange(ref _stopped, 1) == 0)
            {
                _stop.Cancel();
            }

            if (_thread.ThreadState != System.Threading.ThreadState.Unstarted && Thread.CurrentThread != _thread)
            {
                _thread.Join();
            }
        }

        public void Dispose()
        {
            Stop();
            _loader.Forget(this);
            _ready.Dispose();
            _stop.Dispose();
        }

        private void Produce()
        {
            try
            {
                ImageDataset dataset = _loader.Dataset;
                BatchLoaderOptions options = _loader.Options;
                AugmentationOptions augmentation = options.Augmentation ?? AugmentationOptions.None;
                ImageAugmenter? augmenter = augmentation.IsIdentity
                    ? null
                    : new ImageAugmenter(augmentation, dataset.Channels, dataset.Height, dataset.Width);
                var augmented = new byte[dataset.PixelsPerImage];
                int[] order = _loader.EpochOrder(_epoch);
                int batches = _loader.BatchesPerEpoch;
                CancellationToken token = _stop.Token;
                for (int b = _startBatch; b < batches && !token.IsCancellationRequested; b++)
                {
                    int start = b * options.BatchSize;
                    int count = Math.Min(options.BatchSize, order.Length - start);
                    PreparedBatch batch = count == options.BatchSize && _free.TryDequeue(out PreparedBatch? reused)
                        ? reused
                        : new PreparedBatch(count, dataset.PixelsPerImage);
                    batch.Index = b;
                    Fill(batch, order.AsSpan(start, count), dataset, augmenter, augmented, options.Seed);
                    _ready.Add(batch, token);
                }
            }
            catch (OperationCanceledException)
            {
                // Stopped early by the consumer or by Dispose.
            }
#pragma warning disable CA1031 // Any failure is handed to the consumer thread, which rethrows it.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                _failure = ex;
            }
            finally
            {
                _ready.CompleteAdding();
            }
        }

        private void Fill(
            PreparedBatch batch,
            ReadOnlySpan<int> indices,
            ImageDataset dataset,
            ImageAugmenter? augmenter,
            byte[] augmented,
            long seed)
        {
            int size = dataset.PixelsPerImage;
            for (int i = 0; i < indices.Length; i++)
            {
                int index = indices[i];
                ReadOnlySpan<byte> image = dataset.GetImage(index);
                if (augmenter is not null)
                {
                    augmenter.Apply(image, augmented, (long)SplitMix64.Combine(seed, _epoch, index, 0xA06));
                    image = augmented;
                }

                _loader._normalizer.Normalize(image, batch.Images.AsSpan(i * size, size));
                batch.Labels[i] = dataset.GetLabel(index);
                batch.Indices[i] = index;
            }
        }
    }
}
