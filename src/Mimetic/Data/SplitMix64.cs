namespace Mimetic.Data;

/// <summary>
/// A tiny, fast, seedable random generator (SplitMix64). The same seed gives the same stream on every
/// platform and .NET version, which <see cref="Random"/> does not promise.
/// </summary>
internal struct SplitMix64
{
    private ulong _state;

    /// <summary>Creates a generator from a seed.</summary>
    public SplitMix64(ulong seed) => _state = seed;

    /// <summary>Derives one well-mixed seed from several values (e.g. seed, epoch, sample index).</summary>
    public static ulong Combine(long a, long b, long c = 0, long d = 0)
    {
        ulong h = Mix((ulong)a + 0x9E3779B97F4A7C15UL);
        h = Mix(h ^ ((ulong)b + 0xC2B2AE3D27D4EB4FUL));
        h = Mix(h ^ ((ulong)c + 0x165667B19E3779F9UL));
        return Mix(h ^ ((ulong)d + 0x27D4EB2F165667C5UL));
    }

    /// <summary>The next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        _state += 0x9E3779B97F4A7C15UL;
        return Mix(_state);
    }

    /// <summary>A uniform integer in [0, maxExclusive).</summary>
    public int NextInt(int maxExclusive)
    {
        // Multiply-shift on the top 32 bits: bias below 2^-32 for the small ranges used here.
        return (int)(((NextUInt64() >> 32) * (ulong)(uint)maxExclusive) >> 32);
    }

    /// <summary>A uniform integer in [minInclusive, maxInclusive].</summary>
    public int NextInt(int minInclusive, int maxInclusive) => minInclusive + NextInt(maxInclusive - minInclusive + 1);

    /// <summary>A uniform double in [0, 1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Shuffles a span in place (Fisher–Yates).</summary>
    public void Shuffle(Span<int> values)
    {
        for (int i = values.Length - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (values[i], values[j]) = (values[j], values[i]);
        }
    }

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
