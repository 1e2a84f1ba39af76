using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Nexus.Jobs.Language;

/// <summary>
/// Dot products of every row of one block of vectors with every row of another: the inner loop of neighbour search.
/// Pure.
/// </summary>
/// <remarks>
/// A tile of four rows by two rows keeps eight sums in registers and loads each chunk of a row once for several
/// products, where one product at a time loads two chunks per multiply-add; that roughly halves the time. Every product,
/// in a tile or alone at the edge of a block, adds the same chunks in the same order with fused multiply-adds, so a
/// pair's similarity never depends on where it fell in a block.
/// </remarks>
internal static class BlockDot
{
    private const int TileRows = 4;
    private const int TileColumns = 2;

    /// <summary>Whether the tiled kernel runs on this machine for vectors of <paramref name="dimensions"/>; otherwise <see cref="TensorPrimitives.Dot"/> does.</summary>
    public static bool IsTiled(int dimensions) =>
        Vector256.IsHardwareAccelerated && dimensions % Vector256<float>.Count == 0 && dimensions > 0;

    /// <summary>
    /// result[i * columns + j] = dot(a row i, b row j) for the <paramref name="rows"/> rows of <paramref name="a"/> and the
    /// <paramref name="columns"/> rows of <paramref name="b"/>, both row-major with <paramref name="dimensions"/> columns.
    /// </summary>
    public static void Multiply(ReadOnlySpan<float> a, int rows, ReadOnlySpan<float> b, int columns, int dimensions, Span<float> result)
    {
        if (a.Length < rows * dimensions || b.Length < columns * dimensions || result.Length < rows * columns)
        {
            throw new ArgumentException("The blocks are shorter than their row counts say.");
        }
        if (!IsTiled(dimensions))
        {
            for (var i = 0; i < rows; i++)
            {
                for (var j = 0; j < columns; j++)
                {
                    result[i * columns + j] = TensorPrimitives.Dot(a.Slice(i * dimensions, dimensions), b.Slice(j * dimensions, dimensions));
                }
            }
            return;
        }

        ref var a0 = ref MemoryMarshal.GetReference(a);
        ref var b0 = ref MemoryMarshal.GetReference(b);
        var fullRows = rows - rows % TileRows;
        var fullColumns = columns - columns % TileColumns;
        for (var i = 0; i < fullRows; i += TileRows)
        {
            for (var j = 0; j < fullColumns; j += TileColumns)
            {
                Tile(ref Unsafe.Add(ref a0, i * dimensions), ref Unsafe.Add(ref b0, j * dimensions), dimensions, result[(i * columns + j)..], columns);
            }
            for (var j = fullColumns; j < columns; j++)
            {
                for (var r = 0; r < TileRows; r++)
                {
                    result[(i + r) * columns + j] = Single(ref Unsafe.Add(ref a0, (i + r) * dimensions), ref Unsafe.Add(ref b0, j * dimensions), dimensions);
                }
            }
        }
        for (var i = fullRows; i < rows; i++)
        {
            for (var j = 0; j < columns; j++)
            {
                result[i * columns + j] = Single(ref Unsafe.Add(ref a0, i * dimensions), ref Unsafe.Add(ref b0, j * dimensions), dimensions);
            }
        }
    }

    /// <summary>One dot product with the arithmetic of the tiles (see the remarks), for callers that need single pairs.</summary>
    public static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length)
        {
            throw new ArgumentException("Vectors of different lengths.");
        }
        return IsTiled(a.Length)
            ? Single(ref MemoryMarshal.GetReference(a), ref MemoryMarshal.GetReference(b), a.Length)
            : TensorPrimitives.Dot(a, b);
    }

    private static float Single(ref float a, ref float b, int dimensions)
    {
        var sum = Vector256<float>.Zero;
        for (var k = 0; k < dimensions; k += Vector256<float>.Count)
        {
            sum = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref a, (nuint)k), Vector256.LoadUnsafe(ref b, (nuint)k), sum);
        }
        return Vector256.Sum(sum);
    }

    private static void Tile(ref float a, ref float b, int dimensions, Span<float> result, int stride)
    {
        ref var a1 = ref Unsafe.Add(ref a, dimensions);
        ref var a2 = ref Unsafe.Add(ref a, 2 * dimensions);
        ref var a3 = ref Unsafe.Add(ref a, 3 * dimensions);
        ref var b1 = ref Unsafe.Add(ref b, dimensions);
        Vector256<float> s00 = default, s01 = default, s10 = default, s11 = default;
        Vector256<float> s20 = default, s21 = default, s30 = default, s31 = default;
        for (var k = 0; k < dimensions; k += Vector256<float>.Count)
        {
            var x0 = Vector256.LoadUnsafe(ref b, (nuint)k);
            var x1 = Vector256.LoadUnsafe(ref b1, (nuint)k);
            var y = Vector256.LoadUnsafe(ref a, (nuint)k);
            s00 = Vector256.FusedMultiplyAdd(y, x0, s00);
            s01 = Vector256.FusedMultiplyAdd(y, x1, s01);
            y = Vector256.LoadUnsafe(ref a1, (nuint)k);
            s10 = Vector256.FusedMultiplyAdd(y, x0, s10);
            s11 = Vector256.FusedMultiplyAdd(y, x1, s11);
            y = Vector256.LoadUnsafe(ref a2, (nuint)k);
            s20 = Vector256.FusedMultiplyAdd(y, x0, s20);
            s21 = Vector256.FusedMultiplyAdd(y, x1, s21);
            y = Vector256.LoadUnsafe(ref a3, (nuint)k);
            s30 = Vector256.FusedMultiplyAdd(y, x0, s30);
            s31 = Vector256.FusedMultiplyAdd(y, x1, s31);
        }
        // Single multiplies a by b; here the roles are swapped, which FMA does not notice (x * y == y * x exactly).
        result[0] = Vector256.Sum(s00);
        result[1] = Vector256.Sum(s01);
        result[stride] = Vector256.Sum(s10);
        result[stride + 1] = Vector256.Sum(s11);
        result[2 * stride] = Vector256.Sum(s20);
        result[2 * stride + 1] = Vector256.Sum(s21);
        result[3 * stride] = Vector256.Sum(s30);
        result[3 * stride + 1] = Vector256.Sum(s31);
    }
}
