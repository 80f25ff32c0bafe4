using System.Buffers.Text;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace ApprovalGateway.Policy.Conditions;

/// <summary>
/// A condition value. Strings from the arguments stay as their <see cref="JsonElement"/> so comparing them with
/// policy literals does not allocate.
/// </summary>
internal readonly struct Value
{
    private readonly string? _text;
    private readonly JsonElement _element;

    private Value(ValueKind kind, double number = 0, bool flag = false, string? text = null, JsonElement element = default)
    {
        Kind = kind;
        Number = number;
        Bool = flag;
        _text = text;
        _element = element;
    }

    public static Value Null => new(ValueKind.Null);

    public static Value Error => new(ValueKind.Error);

    public static Value True => new(ValueKind.Bool, flag: true);

    public static Value False => new(ValueKind.Bool, flag: false);

    public ValueKind Kind { get; }

    public double Number { get; }

    public bool Bool { get; }

    public static Value FromBool(bool value) => value ? True : False;

    public static Value FromNumber(double value) => double.IsFinite(value) ? new(ValueKind.Number, number: value) : Error;

    public static Value FromString(string? text) => text is null ? Null : new(ValueKind.String, text: text);

    public static Value FromElement(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => new(ValueKind.String, element: element),
        JsonValueKind.Number => element.TryGetDouble(out var d) ? FromNumber(d) : Error,
        JsonValueKind.True => True,
        JsonValueKind.False => False,
        JsonValueKind.Null or JsonValueKind.Undefined => Null,
        _ => new(ValueKind.Other),
    };

    /// <summary>Numbers, and strings holding a number (many exchange APIs send quantities as strings).</summary>
    public bool TryGetNumber(out double number)
    {
        if (Kind == ValueKind.Number)
        {
            number = Number;
            return true;
        }

        number = 0;
        if (Kind != ValueKind.String)
        {
            return false;
        }

        if (_text is not null)
        {
            return double.TryParse(_text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out number);
        }

        var raw = JsonMarshal.GetRawUtf8Value(_element);
        return raw.Length > 2 && Utf8Parser.TryParse(raw[1..^1], out number, out var consumed) && consumed == raw.Length - 2;
    }

    public bool StringEquals(in Value other)
    {
        if (_text is not null)
        {
            return other._text is not null ? string.Equals(_text, other._text, StringComparison.Ordinal) : other._element.ValueEquals(_text);
        }

        return other._text is not null ? _element.ValueEquals(other._text) : string.Equals(_element.GetString(), other._element.GetString(), StringComparison.Ordinal);
    }

    public string? AsString() => Kind == ValueKind.String ? _text ?? _element.GetString() : null;
}
