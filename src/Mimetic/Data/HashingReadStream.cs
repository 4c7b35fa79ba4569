using System.Security.Cryptography;

namespace Mimetic.Data;

/// <summary>The checksums of a file or a stream, as lowercase hex strings.</summary>
/// <param name="Md5">MD5 (used by the official data set pages as a checksum, not for security).</param>
/// <param name="Sha256">SHA-256.</param>
internal sealed record FileHashes(string Md5, string Sha256);

/// <summary>
/// A read-only stream that computes MD5 and SHA-256 of everything read through it, so an archive can be
/// checked in the same pass that decompresses it.
/// </summary>
internal sealed class HashingReadStream : Stream
{
    private readonly Stream _inner;
    private readonly IncrementalHash _md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
    private readonly IncrementalHash _sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    public HashingReadStream(Stream inner) => _inner = inner;

    /// <summary>Bytes read so far.</summary>
    public long BytesRead { get; private set; }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => _inner.Length;

    public override long Position
    {
        get => BytesRead;
        set => throw new NotSupportedException();
    }

    /// <summary>Reads whatever is left of the inner stream and returns the checksums of all of it.</summary>
    public FileHashes Finish()
    {
        var buffer = new byte[1 << 20];
        while (Read(buffer, 0, buffer.Length) > 0)
        {
        }

        return new FileHashes(
            Convert.ToHexStringLower(_md5.GetHashAndReset()),
            Convert.ToHexStringLower(_sha256.GetHashAndReset()));
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int n = _inner.Read(buffer);
        Append(buffer[..n]);
        return n;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        int n = await _inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        Append(buffer.Span[..n]);
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _md5.Dispose();
            _sha256.Dispose();
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }

    private void Append(ReadOnlySpan<byte> data)
    {
        _md5.AppendData(data);
        _sha256.AppendData(data);
        BytesRead += data.Length;
    }
}
