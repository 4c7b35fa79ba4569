using Mimetic.Init;
using static TorchSharp.torch;

namespace Mimetic.Analysis;

/// <summary>
/// The products the paper looks at, from weights in <c>Linear</c> storage (out×in): per head
/// W_q,i·W_k,iᵀ (d×d), and W_v·W_proj for the whole layer (d×d) and per head.
/// </summary>
public static class AttentionProducts
{
    /// <summary>Per-head W_q,i·W_k,iᵀ, shape h×d×d.</summary>
    /// <param name="inProjectionWeight">[W_q W_k W_v]ᵀ, 3d×d.</param>
    /// <param name="heads">Number of heads h.</param>
    public static Tensor QueryKey(Tensor inProjectionWeight, int heads)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var d = inProjectionWeight.shape[1];
        var k = d / heads;
        var queryT = inProjectionWeight.narrow(0, 0, d).reshape(heads, k, d);   // W_q,iᵀ
        var keyT = inProjectionWeight.narrow(0, d, d).reshape(heads, k, d);     // W_k,iᵀ
        return queryT.mT.matmul(keyT).MoveToOuterDisposeScope();
    }

    /// <summary>W_v·W_proj of the whole layer, d×d.</summary>
    /// <param name="inProjectionWeight">[W_q W_k W_v]ᵀ, 3d×d.</param>
    /// <param name="outProjectionWeight">W_projᵀ, d×d.</param>
    public static Tensor ValueProjection(Tensor inProjectionWeight, Tensor outProjectionWeight)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var d = inProjectionWeight.shape[1];
        var valueT = inProjectionWeight.narrow(0, 2 * d, d);                  // W_vᵀ
        return valueT.mT.matmul(outProjectionWeight.mT).MoveToOuterDisposeScope();
    }

    /// <summary>Per-head W_v,i·W_proj,i (the head's columns of W_v times its rows of W_proj), h×d×d.</summary>
    public static Tensor ValueProjectionPerHead(Tensor inProjectionWeight, Tensor outProjectionWeight, int heads)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var d = inProjectionWeight.shape[1];
        var k = d / heads;
        var valueT = inProjectionWeight.narrow(0, 2 * d, d).reshape(heads, k, d);        // W_v,iᵀ: k×d
        var projection = outProjectionWeight.mT.reshape(heads, k, d);                     // W_proj rows of head i: k×d
        return valueT.mT.matmul(projection).MoveToOuterDisposeScope();
    }

    /// <summary>Per-head W_q,i·W_k,iᵀ of an attention slot.</summary>
    public static Tensor QueryKey(AttentionSlot slot)
    {
        ArgumentNullException.ThrowIfNull(slot);
        return QueryKey(slot.InProjectionWeight, slot.Heads);
    }

    /// <summary>W_v·W_proj of an attention slot.</summary>
    public static Tensor ValueProjection(AttentionSlot slot)
    {
        ArgumentNullException.ThrowIfNull(slot);
        return ValueProjection(slot.InProjectionWeight, slot.OutProjectionWeight);
    }
}
