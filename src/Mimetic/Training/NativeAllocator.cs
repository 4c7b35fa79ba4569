using System.Runtime.InteropServices;

namespace Mimetic.Training;

/// <summary>
/// Keeps glibc's allocator from handing libtorch's activation buffers back to the kernel after every step.
/// <para>
/// A training step frees and re-allocates the same multi-megabyte buffers. With glibc's defaults such blocks
/// are either <c>mmap</c>ed and unmapped each time, or trimmed off the top of the heap, and every step then
/// pays page faults to zero fresh pages. Raising the mmap threshold to its maximum (32 MiB) and turning trimming
/// off keeps the memory in the heap for reuse: page faults drop 6–7× and vit-cpu trains 1–9 % faster on the 2-core
/// development machine (docs/performance.md). Both settings are needed: glibc fixes its thresholds as soon as
/// either is set; the mmap threshold alone gains nothing and a trim threshold alone is slower.
/// </para>
/// <para>
/// Blocks above the largest mmap threshold would still be <c>mmap</c>ed afresh every step: a GPT's logits over a
/// 10,002-word vocabulary (32 × 128 × 10,002 floats, 164 MB) and their gradients made a gpt-cpu step on the Brown
/// corpus 3× slower than its FLOPs. So <c>M_MMAP_MAX</c> is set to 0: every block comes from the heap and is reused
/// (glibc still maps memory itself when the heap cannot grow).
/// </para>
/// <para>
/// Trimming is off rather than held at a threshold: with GPT-2's 50,257-token output layer a step frees more than
/// 1 GiB at the top of the heap (logits, their log-softmax and gradients, 823 MB each), and a 1 GiB threshold gave
/// it all back to the kernel every step, at 5× the cost in page faults.
/// </para>
/// The cost is that memory freed at the top of the heap stays with the process: its footprint stays at its peak.
/// </summary>
public static partial class NativeAllocator
{
    /// <summary>glibc's largest mmap threshold on 64-bit (4 MiB × sizeof(long)).</summary>
    public const int MmapThresholdBytes = 32 * 1024 * 1024;

    /// <summary>The trim threshold that turns trimming off (mallopt(3)): freed memory at the top of the heap is kept.</summary>
    public const int TrimThresholdNever = -1;

    /// <summary>Extra memory requested from the kernel whenever the heap grows.</summary>
    public const int TopPadBytes = 256 * 1024 * 1024;

    /// <summary>Setting this environment variable to <c>0</c> leaves the allocator alone.</summary>
    public const string EnvironmentSwitch = "MIMETIC_TUNE_MALLOC";

    private const int MallocTrimThreshold = -1;
    private const int MallocTopPad = -2;
    private const int MallocMmapThreshold = -3;
    private const int MallocMmapMax = -4;

    private static readonly string[] UserSettings = ["MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_", "MALLOC_MMAP_MAX_"];

    /// <summary>What <see cref="Tune"/> did, for benchmarks and logs.</summary>
    public static AllocatorTuning State { get; private set; } = AllocatorTuning.NotAttempted;

    /// <summary>
    /// Applies the settings once per process, unless this is not Linux with glibc, <see cref="EnvironmentSwitch"/> is <c>0</c>,
    /// or the user set glibc's own <c>MALLOC_*_</c> variables or malloc tunables (their choice wins).
    /// </summary>
    /// <returns>What was done.</returns>
    public static AllocatorTuning Tune()
    {
        if (State != AllocatorTuning.NotAttempted)
        {
            return State;
        }

        State = Decide();
        return State;
    }

    private static AllocatorTuning Decide()
    {
        if (Environment.GetEnvironmentVariable(EnvironmentSwitch) == "0")
        {
            return AllocatorTuning.DisabledByUser;
        }

        var tunables = Environment.GetEnvironmentVariable("GLIBC_TUNABLES") ?? "";
        if (UserSettings.Any(name => Environment.GetEnvironmentVariable(name) is not null) || tunables.Contains("glibc.malloc.", StringComparison.Ordinal))
        {
            return AllocatorTuning.UserSettingsKept;
        }

        if (!OperatingSystem.IsLinux())
        {
            return AllocatorTuning.NotGlibc;
        }

        try
        {
            // mallopt returns 1 on success; all must take, or glibc is left with fixed small thresholds.
            var applied = Mallopt(MallocMmapThreshold, MmapThresholdBytes) == 1
                && Mallopt(MallocTrimThreshold, TrimThresholdNever) == 1
                && Mallopt(MallocTopPad, TopPadBytes) == 1
                && Mallopt(MallocMmapMax, 0) == 1;
            return applied ? AllocatorTuning.Applied : AllocatorTuning.Refused;
        }
        catch (Exception error) when (error is DllNotFoundException or EntryPointNotFoundException)
        {
            return AllocatorTuning.NotGlibc; // musl and others have no mallopt
        }
    }

    [LibraryImport("libc", EntryPoint = "mallopt")]
    private static partial int Mallopt(int parameter, int value);
}

/// <summary>The outcome of <see cref="NativeAllocator.Tune"/>.</summary>
public enum AllocatorTuning
{
    /// <summary><see cref="NativeAllocator.Tune"/> has not run in this process.</summary>
    NotAttempted,

    /// <summary>The thresholds are set.</summary>
    Applied,

    /// <summary>The environment switch turned it off.</summary>
    DisabledByUser,

    /// <summary>The user configured glibc's allocator; nothing was changed.</summary>
    UserSettingsKept,

    /// <summary>Not Linux with glibc; nothing was changed.</summary>
    NotGlibc,

    /// <summary>glibc refused a setting.</summary>
    Refused,
}
