using System.Globalization;

namespace ApprovalGateway.Policy.Conditions;

/// <summary>
/// Parses the condition language of policies/README.md into an <see cref="Expr"/> tree: literals, <c>args.x</c>
/// paths, <c>tool</c>/<c>agent</c>/<c>upstream</c>, arithmetic, comparisons, <c>in</c> lists and and/or/not.
/// There are no function calls and no way to run code; a tree is built once per policy load.
/// </summary>
internal sealed class ConditionParser
{
    private const int MaxDepth = 32;

    private readonly string _text;
    private int _pos;
    private int _depth;

    private ConditionParser(string text) => _text = text;

    public static bool TryParse(string text, out Expr? expr, out string? error)
    {
        var parser = new ConditionParser(text);
        try
        {
            var root = parser.ParseOr();
            parser.SkipSpace();
            if (parser._pos < text.Length)
            {
                throw parser.Fail(Unexpected(text[parser._pos]));
            }

            if (!root.IsBoolean)
            {
                throw new FormatException("a condition must be a comparison, an 'in' test or a combination of them with and/or/not");
            }

            expr = root;
            error = null;
            return true;
        }
        catch (FormatException e)
        {
            expr = null;
            error = e.Message;
            return false;
        }
    }

    private Expr ParseOr()
    {
        var left = ParseAnd();
        while (Accept("||") || AcceptWord("or"))
        {
            left = new LogicalExpr(false, left, ParseAnd());
        }

        return left;
    }

    private Expr ParseAnd()
    {
        var left = ParseNot();
        while (Accept("&&") || AcceptWord("and"))
        {
            left = new LogicalExpr(true, left, ParseNot());
        }

        return left;
    }

    private Expr ParseNot()
    {
        if (AcceptWord("not") || (PeekIs("!") && !PeekIs("!=") && Accept("!")))
        {
            using var _ = Nest();
            return new NotExpr(ParseNot());
        }

        return ParseComparison();
    }

    private Expr ParseComparison()
    {
        var left = ParseAdditive();
        foreach (var op in (string[])["==", "!=", "<=", ">=", "<", ">"])
        {
            if (Accept(op))
            {
                return new CompareExpr(op, left, ParseAdditive());
            }
        }

        var save = _pos;
        var negate = AcceptWord("not");
        if (AcceptWord("in"))
        {
            return new InExpr(left, ParseList(), negate);
        }

        _pos = save;
        return left;
    }

    private Expr ParseAdditive()
    {
        var left = ParseMultiplicative();
        while (true)
        {
            SkipSpace();
            if (_pos < _text.Length && _text[_pos] is '+' or '-')
            {
                var op = _text[_pos++];
                left = new ArithmeticExpr(op, left, ParseMultiplicative());
            }
            else
            {
                return left;
            }
        }
    }

    private Expr ParseMultiplicative()
    {
        var left = ParseUnary();
        while (true)
        {
            SkipSpace();
            if (_pos < _text.Length && _text[_pos] is '*' or '/' or '%')
            {
                var op = _text[_pos++];
                left = new ArithmeticExpr(op, left, ParseUnary());
            }
            else
            {
                return left;
            }
        }
    }

    private Expr ParseUnary()
    {
        if (Accept("-"))
        {
            using var _ = Nest();
            return new ArithmeticExpr('-', new LiteralExpr(Value.FromNumber(0)), ParseUnary());
        }

        return ParsePrimary();
    }

    private Expr ParsePrimary()
    {
        SkipSpace();
        if (_pos >= _text.Length)
        {
            throw Fail("unexpected end of condition");
        }

        var c = _text[_pos];
        if (c == '(')
        {
            _pos++;
            using var _ = Nest();
            var inner = ParseOr();
            Expect(")");
            return inner;
        }

        if (c == '[')
        {
            throw Fail("a list may only follow 'in' or 'not in'");
        }

        if (c is '"' or '\'' || char.IsAsciiDigit(c) || c == '.')
        {
            return new LiteralExpr(ParseLiteral());
        }

        if (!char.IsAsciiLetter(c) && c != '_')
        {
            throw Fail(Unexpected(c));
        }

        var start = _pos;
        var word = ReadIdentifier();
        switch (word)
        {
            case "true" or "false" or "null":
                _pos = start;
                return new LiteralExpr(ParseLiteral());
            case "tool" or "agent" or "upstream":
                return new FactExpr(word);
            case "args":
                return ParseArgumentPath();
            default:
                _pos = start;
                throw Fail($"unknown name '{word}' (use args.<name>, tool, agent or upstream)");
        }
    }

    private ArgumentExpr ParseArgumentPath()
    {
        var path = new List<string>();
        while (true)
        {
            if (_pos < _text.Length && _text[_pos] == '.')
            {
                _pos++;
                if (_pos >= _text.Length || !(char.IsAsciiLetter(_text[_pos]) || _text[_pos] == '_'))
                {
                    throw Fail("expected an argument name after '.'");
                }

                path.Add(ReadIdentifier());
            }
            else if (_pos < _text.Length && _text[_pos] == '[')
            {
                _pos++;
                SkipSpace();
                if (_pos >= _text.Length || _text[_pos] is not ('"' or '\''))
                {
                    throw Fail("expected a quoted argument name inside [ ]");
                }

                path.Add(ReadString());
                Expect("]");
            }
            else
            {
                break;
            }
        }

        if (path.Count == 0)
        {
            throw Fail("'args' must be followed by an argument name, e.g. args.quantity");
        }

        return new ArgumentExpr([.. path]);
    }

    private Value[] ParseList()
    {
        Expect("[");
        var items = new List<Value>();
        SkipSpace();
        if (Accept("]"))
        {
            return [];
        }

        do
        {
            items.Add(ParseLiteral());
        }
        while (Accept(","));

        Expect("]");
        return [.. items];
    }

    private Value ParseLiteral()
    {
        SkipSpace();
        if (_pos >= _text.Length)
        {
            throw Fail("expected a value");
        }

        var c = _text[_pos];
        if (c is '"' or '\'')
        {
            return Value.FromString(ReadString());
        }

        var negative = c == '-';
        if (negative || char.IsAsciiDigit(c) || c == '.')
        {
            var start = _pos;
            if (negative)
            {
                _pos++;
            }

            while (_pos < _text.Length && (char.IsAsciiDigit(_text[_pos]) || _text[_pos] is '.' or 'e' or 'E'))
            {
                _pos++;
            }

            if (!double.TryParse(_text.AsSpan(start, _pos - start), NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
            {
                _pos = start;
                throw Fail($"invalid number '{_text[start.._pos]}'");
            }

            return Value.FromNumber(number);
        }

        if (char.IsAsciiLetter(c))
        {
            var start = _pos;
            switch (ReadIdentifier())
            {
                case "true":
                    return Value.True;
                case "false":
                    return Value.False;
                case "null":
                    return Value.Null;
                default:
                    _pos = start;
                    break;
            }
        }

        throw Fail("expected a literal: a number, a quoted string, true, false or null");
    }

    private string ReadString()
    {
        var quote = _text[_pos++];
        var end = _text.IndexOf(quote, _pos);
        if (end < 0)
        {
            throw Fail("unterminated string");
        }

        var value = _text[_pos..end];
        _pos = end + 1;
        return value;
    }

    private string ReadIdentifier()
    {
        var start = _pos;
        while (_pos < _text.Length && (char.IsAsciiLetterOrDigit(_text[_pos]) || _text[_pos] == '_'))
        {
            _pos++;
        }

        return _text[start.._pos];
    }

    private void SkipSpace()
    {
        while (_pos < _text.Length && char.IsWhiteSpace(_text[_pos]))
        {
            _pos++;
        }
    }

    private bool PeekIs(string token)
    {
        SkipSpace();
        return _text.AsSpan(_pos).StartsWith(token, StringComparison.Ordinal);
    }

    private bool Accept(string token)
    {
        if (!PeekIs(token))
        {
            return false;
        }

        _pos += token.Length;
        return true;
    }

    private bool AcceptWord(string word)
    {
        SkipSpace();
        var end = _pos + word.Length;
        if (!_text.AsSpan(_pos).StartsWith(word, StringComparison.Ordinal)
            || (end < _text.Length && (char.IsAsciiLetterOrDigit(_text[end]) || _text[end] == '_')))
        {
            return false;
        }

        _pos = end;
        return true;
    }

    private void Expect(string token)
    {
        if (!Accept(token))
        {
            throw Fail(_pos < _text.Length ? $"expected '{token}' but found '{_text[_pos]}'" : $"expected '{token}'");
        }
    }

    private DepthScope Nest()
    {
        if (++_depth > MaxDepth)
        {
            throw Fail($"nested deeper than {MaxDepth} levels");
        }

        return new DepthScope(this);
    }

    // The operators of SQL and shell people type out of habit: without the hint "unexpected '='" leaves them guessing.
    private static string Unexpected(char c) => c switch
    {
        '=' => "unexpected '=' (compare with ==)",
        '&' => "unexpected '&' (write && or and)",
        '|' => "unexpected '|' (write || or or)",
        _ => $"unexpected '{c}'",
    };

    private FormatException Fail(string message) => new($"{message} at position {_pos + 1}");

    private readonly struct DepthScope(ConditionParser parser) : IDisposable
    {
        public void Dispose() => parser._depth--;
    }
}
