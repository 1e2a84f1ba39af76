using System.Text.Json;
using System.Text.Json.Serialization;

namespace Nexus.Jobs.Client;

/// <summary>A value the API sends as a string from a set it may extend (a status, a priority).</summary>
/// <remarks>
/// Such values are structs around the string rather than enums, so that a value this client does not know yet (a
/// status the server adds later) still deserialises, compares and prints instead of failing the whole response.
/// </remarks>
public interface IWireValue<TSelf> where TSelf : struct, IWireValue<TSelf>
{
    /// <summary>The string on the wire.</summary>
    string Value { get; }

    /// <summary>The value for a string read from the wire.</summary>
    static abstract TSelf FromWire(string value);
}

/// <summary>Reads and writes an <see cref="IWireValue{TSelf}"/> as its JSON string.</summary>
public sealed class WireValueConverter<T> : JsonConverter<T> where T : struct, IWireValue<T>
{
    /// <inheritdoc/>
    public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.String
            ? T.FromWire(reader.GetString()!)
            : throw new JsonException($"Expected a string for {typeof(T).Name}, found {reader.TokenType}.");

    /// <inheritdoc/>
    public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) => writer.WriteStringValue(value.Value);
}
