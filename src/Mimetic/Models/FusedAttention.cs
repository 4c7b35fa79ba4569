using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using static TorchSharp.torch;

namespace Mimetic.Models;

/// <summary>
/// softmax(Q·Kᵀ/√k)·V for short sequences and narrow heads, forward and backward, as one C# SIMD kernel per
/// (image, head) slice: every slice (Q, K, V of N×k floats, the N×N attention) stays in the L1 cache, where
/// libtorch's path issues a handful of tiny batched products per slice. A custom autograd function: the forward
/// saves the attention probabilities, the backward computes dQ, dK and dV from them. CPU, float32, no mask.
/// Results equal <c>scaled_dot_product_attention</c>'s to float rounding (tests: 1e-5). Experimental: on one thread it
/// is still slower than libtorch's path (docs/time-to-accuracy.md), so only <c>mimetic bench --fused-attention</c> uses it.
/// </summary>
internal sealed class FusedAttention : autograd.SingleTensorFunction<FusedAttention>
{
    /// <inheritdoc />
    public override string Name => nameof(FusedAttention);

    /// <summary>Whether the kernel applies: CPU float32 tensors whose token count and head width are multiples of 8, on a machine with 256-bit vectors.</summary>
    public static bool Supports(Tensor q) => q.device_type == TorchSharp.DeviceType.CPU && q.dtype == ScalarType.Float32 && q.shape[^1] % Vector256<float>.Count == 0
        && q.shape[^2] % Vector256<float>.Count == 0 && Vector256.IsHardwareAccelerated;

    /// <summary>Attention of q, k, v [B, h, N, k] → [B, h, N, k].</summary>
    public static Tensor Apply(Tensor q, Tensor k, Tensor v) => apply(q, k, v);

    /// <inheritdoc />
    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        ArgumentNullException.ThrowIfNull(vars);
        var (q, k, v) = (((Tensor)vars[0]).contiguous(), ((Tensor)vars[1]).contiguous(), ((Tensor)vars[2]).contiguous());
        var output = empty_like(q);
        var shape = q.shape;
        var (tokens, width) = ((int)shape[^2], (int)shape[^1]);
        var slices = (int)(q.numel() / ((long)tokens * width));
        var probabilities = empty([slices, tokens, tokens], dtype: ScalarType.Float32);
        Kernels.Forward(Floats(q), Floats(k), Floats(v), Floats(output), Floats(probabilities), slices, tokens, width);
        ctx.save_for_backward([q, k, v, output, probabilities]);
        return output;
    }

    /// <inheritdoc />
    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        ArgumentNullException.ThrowIfNull(grad_output);
        var saved = ctx.get_saved_variables();
        var (q, k, v, output, probabilities) = (saved[0], saved[1], saved[2], saved[3], saved[4]);
        var gradOutput = grad_output.contiguous();
        var (dq, dk, dv) = (empty_like(q), empty_like(k), empty_like(v));
        var (tokens, width) = ((int)q.shape[^2], (int)q.shape[^1]);
        var slices = (int)(q.numel() / ((long)tokens * width));
        Kernels.Backward(Floats(q), Floats(k), Floats(v), Floats(output), Floats(probabilities), Floats(gradOutput), Floats(dq), Floats(dk), Floats(dv), slices, tokens, width);
        return [dq, dk, dv];
    }

    private static Memory<float> Floats(Tensor t) => new NativeFloats(t).Memory;

    /// <summary>A CPU tensor's storage as a span of floats, without a copy.</summary>
    private sealed class NativeFloats(Tensor tensor) : MemoryManager<float>
    {
        public override Span<float> GetSpan() => MemoryMarshal.Cast<byte, float>(tensor.bytes);

        public override MemoryHandle Pin(int elementIndex = 0) => throw new NotSupportedException();

        public override void Unpin()
        {
        }

        protected override void Dispose(bool disposing)
        {
        }
    }

    /// <summary>The kernels, over slices of N×k (Q, K, V, O) and N×N (P) floats, parallel over slices.</summary>
    private static class Kernels
    {
        private static int Threads => Math.Max(1, get_num_threads());

        public static void Forward(Memory<float> q, Memory<float> k, Memory<float> v, Memory<float> o, Memory<float> p, int slices, int n, int w)
        {
            var scale = 1 / MathF.Sqrt(w);
            Parallel.For(0, Threads, new ParallelOptions { MaxDegreeOfParallelism = Threads }, worker =>
            {
                var transposed = new float[w * n];
                var (first, last) = Range(worker, slices);
                for (var s = first; s < last; s++)
                {
                    var at = s * n * w;
                    ReadOnlySpan<float> qs = q.Span.Slice(at, n * w), ks = k.Span.Slice(at, n * w), vs = v.Span.Slice(at, n * w);
                    Span<float> os = o.Span.Slice(at, n * w), ps = p.Span.Slice(s * n * n, n * n);
                    Transpose(ks, transposed, n, w);
                    for (var i = 0; i < n; i++)
                    {
                        var row = ps.Slice(i * n, n);
                        RowTimesMatrix(qs.Slice(i * w, w), transposed, row, n);    // (Q·Kᵀ)[i, :]
                        Softmax(row, scale);
                    }

                    MatrixTimesMatrix(ps, n, vs, os, w);                                  // O = P·V
                }
            });
        }

        public static void Backward(Memory<float> q, Memory<float> k, Memory<float> v, Memory<float> o, Memory<float> p, Memory<float> dO,
            Memory<float> dq, Memory<float> dk, Memory<float> dv, int slices, int n, int w)
        {
            var scale = 1 / MathF.Sqrt(w);
            Parallel.For(0, Threads, new ParallelOptions { MaxDegreeOfParallelism = Threads }, worker =>
            {
                var transposed = new float[Math.Max(w, n) * n];
                var dS = new float[n * n];
                var (first, last) = Range(worker, slices);
                for (var s = first; s < last; s++)
                {
                    var at = s * n * w;
                    ReadOnlySpan<float> qs = q.Span.Slice(at, n * w), ks = k.Span.Slice(at, n * w), vs = v.Span.Slice(at, n * w), os = o.Span.Slice(at, n * w);
                    ReadOnlySpan<float> ps = p.Span.Slice(s * n * n, n * n), gos = dO.Span.Slice(at, n * w);
                    Span<float> dqs = dq.Span.Slice(at, n * w), dks = dk.Span.Slice(at, n * w), dvs = dv.Span.Slice(at, n * w);
                    Transpose(vs, transposed, n, w);
                    for (var i = 0; i < n; i++)
                    {
                        var dRow = dS.AsSpan(i * n, n);
                        var gradRow = gos.Slice(i * w, w);
                        RowTimesMatrix(gradRow, transposed, dRow, n);                   // dP[i, :] = dO[i]·Vᵀ
                        var d = Dot(gradRow, os.Slice(i * w, w));                        // Σ_j P[i, j]·dP[i, j]
                        var row = ps.Slice(i * n, n);
                        for (var j = 0; j < n; j++)
                        {
                            dRow[j] = row[j] * (dRow[j] - d) * scale;                    // dS[i, j], with the 1/√k of the logits
                        }

                    }

                    MatrixTimesMatrix(dS, n, ks, dqs, w);                                 // dQ = dS·K

                    Transpose(dS, transposed, n, n);
                    MatrixTimesMatrix(transposed.AsSpan(0, n * n), n, qs, dks, w);        // dK = dSᵀ·Q

                    Transpose(ps, transposed, n, n);
                    MatrixTimesMatrix(transposed.AsSpan(0, n * n), n, gos, dvs, w);       // dV = Pᵀ·dO
                }
            });
        }

        private static (int First, int Last) Range(int worker, int slices)
        {
            var per = (slices + Threads - 1) / Threads;
            return (Math.Min(slices, worker * per), Math.Min(slices, (worker + 1) * per));
        }

        private static void Transpose(ReadOnlySpan<float> source, Span<float> destination, int rows, int columns)
        {
            ref var from = ref MemoryMarshal.GetReference(source);
            ref var to = ref MemoryMarshal.GetReference(destination);
            for (var r = 0; r < rows; r++)
            {
                for (var c = 0; c < columns; c++)
                {
                    Unsafe.Add(ref to, c * rows + r) = Unsafe.Add(ref from, r * columns + c);
                }
            }
        }

        /// <summary>
        /// result (rows × n) = a (rows × inner) · m (inner × n), all row-major with inner = a.Length / rows. For n = 32 two rows
        /// go through at once, so that eight sums are in flight (FMA latency × ports); otherwise row by row.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void MatrixTimesMatrix(ReadOnlySpan<float> a, int rows, ReadOnlySpan<float> m, Span<float> result, int n)
        {
            var inner = a.Length / rows;
            var i = 0;
            if (n == 4 * Vector256<float>.Count)
            {
                ref var aRef = ref MemoryMarshal.GetReference(a);
                ref var mRef = ref MemoryMarshal.GetReference(m);
                ref var rRef = ref MemoryMarshal.GetReference(result);
                for (; i + 1 < rows; i += 2)
                {
                    Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default, b0 = default, b1 = default, b2 = default, b3 = default;
                    ref var first = ref Unsafe.Add(ref aRef, i * inner);
                    ref var second = ref Unsafe.Add(ref aRef, (i + 1) * inner);
                    for (var d = 0; d < inner; d++)
                    {
                        var x = Vector256.Create(Unsafe.Add(ref first, d));
                        var y = Vector256.Create(Unsafe.Add(ref second, d));
                        ref var row = ref Unsafe.Add(ref mRef, d * n);
                        var m0 = Vector256.LoadUnsafe(ref row);
                        var m1 = Vector256.LoadUnsafe(ref row, 8);
                        var m2 = Vector256.LoadUnsafe(ref row, 16);
                        var m3 = Vector256.LoadUnsafe(ref row, 24);
                        a0 = Vector256.FusedMultiplyAdd(x, m0, a0);
                        a1 = Vector256.FusedMultiplyAdd(x, m1, a1);
                        a2 = Vector256.FusedMultiplyAdd(x, m2, a2);
                        a3 = Vector256.FusedMultiplyAdd(x, m3, a3);
                        b0 = Vector256.FusedMultiplyAdd(y, m0, b0);
                        b1 = Vector256.FusedMultiplyAdd(y, m1, b1);
                        b2 = Vector256.FusedMultiplyAdd(y, m2, b2);
                        b3 = Vector256.FusedMultiplyAdd(y, m3, b3);
                    }

                    ref var r0 = ref Unsafe.Add(ref rRef, i * n);
                    a0.StoreUnsafe(ref r0);
                    a1.StoreUnsafe(ref r0, 8);
                    a2.StoreUnsafe(ref r0, 16);
                    a3.StoreUnsafe(ref r0, 24);
                    b0.StoreUnsafe(ref r0, 32);
                    b1.StoreUnsafe(ref r0, 40);
                    b2.StoreUnsafe(ref r0, 48);
                    b3.StoreUnsafe(ref r0, 56);
                }
            }

            for (; i < rows; i++)
            {
                RowTimesMatrix(a.Slice(i * inner, inner), m, result.Slice(i * n, n), n);
            }
        }

        /// <summary>result[j] = Σ_d x[d]·m[d, j] for m of x.Length × n (row-major), vectorised over j, the sums kept in up to eight registers.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void RowTimesMatrix(ReadOnlySpan<float> x, ReadOnlySpan<float> m, Span<float> result, int n)
        {
            ref var xRef = ref MemoryMarshal.GetReference(x);
            ref var mRef = ref MemoryMarshal.GetReference(m);
            ref var rRef = ref MemoryMarshal.GetReference(result);
            for (var j = 0; j < n; j += 8 * Vector256<float>.Count)
            {
                var blocks = Math.Min(8, (n - j) / Vector256<float>.Count);
                if (blocks == 8)
                {
                    Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
                    for (var d = 0; d < x.Length; d++)
                    {
                        var xd = Vector256.Create(Unsafe.Add(ref xRef, d));
                        ref var rowStart = ref Unsafe.Add(ref mRef, d * n + j);
                        a0 = Vector256.FusedMultiplyAdd(xd, Vector256.LoadUnsafe(ref rowStart), a0);
                        a1 = Vector256.FusedMultiplyAdd(xd, Vector256.LoadUnsafe(ref rowStart, 8), a1);
                        a2 = Vector256.FusedMultiplyAdd(xd, Vector256.LoadUnsafe(ref rowStart, 16), a2);
                        a3 = Vector256.FusedMultiplyAdd(xd, Vector256.LoadUnsafe(ref rowStart, 24), a3);
                        a4 = Vector256.FusedMultiplyAdd(xd, Vector256.LoadUnsafe(ref rowStart, 32), a4);
                        a5 = Vector256.FusedMultiplyAdd(xd, Vector256.LoadUnsafe(ref rowStart, 40), a5);
                        a6 = Vector256.FusedMultiplyAdd(xd, Vector256.LoadUnsafe(ref rowStart, 48), a6);
                        a7 = Vector256.FusedMultiplyAdd(xd, Vector256.LoadUnsafe(ref rowStart, 56), a7);
                    }

                    ref var r0 = ref Unsafe.Add(ref rRef, j);
                    a0.StoreUnsafe(ref r0);
                    a1.StoreUnsafe(ref r0, 8);
                    a2.StoreUnsafe(ref r0, 16);
                    a3.StoreUnsafe(ref r0, 24);
                    a4.StoreUnsafe(ref r0, 32);
                    a5.StoreUnsafe(ref r0, 40);
                    a6.StoreUnsafe(ref r0, 48);
                    a7.StoreUnsafe(ref r0, 56);
                    continue;
                }

                var done = 0;
                if (blocks >= 4)
                {
                    Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
                    for (var d = 0; d < x.Length; d++)
                    {
                        var xd = Vector256.Create(Unsafe.Add(ref xRef, d));
                        ref var rowStart = ref Unsafe.Add(ref mRef, d * n + j);
                        a0 = Vector256.FusedMultiplyAdd(xd, Vector256.LoadUnsafe(ref rowStart), a0);
                        a1 = Vector256.FusedMultiplyAdd(xd, Vector256.LoadUnsafe(ref rowStart, 8), a1);
                        a2 = Vector256.FusedMultiplyAdd(xd, Vector256.LoadUnsafe(ref rowStart, 16), a2);
                        a3 = Vector256.FusedMultiplyAdd(xd, Vector256.LoadUnsafe(ref rowStart, 24), a3);
                    }

                    ref var r0 = ref Unsafe.Add(ref rRef, j);
                    a0.StoreUnsafe(ref r0);
                    a1.StoreUnsafe(ref r0, 8);
                    a2.StoreUnsafe(ref r0, 16);
                    a3.StoreUnsafe(ref r0, 24);
                    done = 4;
                }

                for (var block = done; block < blocks; block++)
                {
                    var at = j + block * Vector256<float>.Count;
                    var sum = Vector256<float>.Zero;
                    for (var d = 0; d < x.Length; d++)
                    {
                        sum = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref xRef, d)), Vector256.LoadUnsafe(ref Unsafe.Add(ref mRef, d * n + at)), sum);
                    }

                    sum.StoreUnsafe(ref Unsafe.Add(ref rRef, at));
                }
            }
        }

        /// <summary>row ← softmax(scale·row).</summary>
        private static void Softmax(Span<float> row, float scale)
        {
            var max = Vector256.Create(float.NegativeInfinity);
            for (var j = 0; j < row.Length; j += 8)
            {
                max = Vector256.Max(max, Vector256.Create(row.Slice(j, 8)));
            }

            var m = Horizontal(max, Math.Max) * scale;
            var sum = Vector256<float>.Zero;
            var (scaleV, mV) = (Vector256.Create(scale), Vector256.Create(m));
            for (var j = 0; j < row.Length; j += 8)
            {
                var e = Vector256.Exp(Vector256.FusedMultiplyAdd(Vector256.Create(row.Slice(j, 8)), scaleV, -mV));
                e.CopyTo(row.Slice(j, 8));
                sum += e;
            }

            var inverse = Vector256.Create(1 / Vector256.Sum(sum));
            for (var j = 0; j < row.Length; j += 8)
            {
                (Vector256.Create(row.Slice(j, 8)) * inverse).CopyTo(row.Slice(j, 8));
            }
        }

        private static float Horizontal(Vector256<float> v, Func<float, float, float> combine)
        {
            var result = v[0];
            for (var i = 1; i < Vector256<float>.Count; i++)
            {
                result = combine(result, v[i]);
            }

            return result;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static float Dot(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
        {
            var acc = Vector256<float>.Zero;
            ref var xRef = ref MemoryMarshal.GetReference(x);
            ref var yRef = ref MemoryMarshal.GetReference(y);
            for (nuint d = 0; d < (nuint)x.Length; d += 8)
            {
                acc = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref xRef, d), Vector256.LoadUnsafe(ref yRef, d), acc);
            }

            return Vector256.Sum(acc);
        }
    }
}
