using System.ComponentModel;
using System.Reflection;
using ApprovalGateway.Agents;
using ApprovalGateway.Approvals;
using ApprovalGateway.Audit;
using ApprovalGateway.Metrics;
using ApprovalGateway.Policy;
using ApprovalGateway.Policy.Matching;
using ApprovalGateway.Proxy.Resumption;
using ApprovalGateway.Proxy.Tasks;
using ApprovalGateway.ScaleOut;
using ApprovalGateway.Slack;
using ApprovalGateway.Web;
using ApprovalGateway.Web.Auth;
using Microsoft.Extensions.Options;

namespace ApprovalGateway.Hosting;

/// <summary>
/// The gateway's own settings held against the options types that read them, before anything binds them. The binder
/// ignores a key no property takes, drops a dictionary entry whose value does not convert (an upstream vanished with
/// its bad timeout), ignores a string where a list belongs, and names an enum's .NET type rather than its values.
/// </summary>
internal static class SettingsCheck
{
    /// <summary>Where each options type is bound; an empty section is the root (its properties are top-level sections).</summary>
    private static readonly (string Section, Type Type)[] Bound =
    [
        (GatewayOptions.Section, typeof(GatewayOptions)),
        (AgentOptions.Section, typeof(AgentOptions)),
        (GatewayDataPath.Key, typeof(string)),
        (PolicyOptions.Section, typeof(PolicyOptions)),
        (MetricsOptions.Section, typeof(MetricsOptions)),
        (TaskOptions.Section, typeof(TaskOptions)),
        (ResumptionOptions.Section, typeof(ResumptionOptions)),
        (AuditOptions.Section, typeof(AuditOptions)),
        ("", typeof(ApproverOptions)),
        (ApprovalOptions.Section, typeof(ApprovalOptions)),
        (HangfireOptions.Section, typeof(HangfireOptions)),
        (ScaleOutOptions.Section, typeof(ScaleOutOptions)),
        (RedisOptions.Section, typeof(RedisOptions)),
        (SlackOptions.Section, typeof(SlackOptions)),
        (WebOptions.Section, typeof(WebOptions)),
    ];

    /// <summary>
    /// How far a top-level key may be from one of the gateway's sections to be taken for it. Top-level keys are also
    /// every environment variable and other libraries' sections, so only a near miss counts: "Gatway", "Aprovers",
    /// "Slak", not "Gate"; a short name ("Web", "Redis") only a letter away.
    /// </summary>
    private static int MaxTopLevelTypo(string section) => section.Length <= 5 ? 1 : 2;

    /// <summary>The options types whose sections are checked; an options type missing here would have its section pass unchecked.</summary>
    public static IEnumerable<Type> CheckedTypes => Bound.Select(b => b.Type);

    /// <summary>Every mistake in the gateway's sections at once, as an <see cref="OptionsValidationException"/> so it is reported like the validators'.</summary>
    public static void Verify(IConfiguration configuration)
    {
        var errors = new List<string>();
        var root = Shape.Of(Bound);
        // Only the gateway's own top-level sections: Logging, Kestrel, AllowedHosts and every environment variable are not ours.
        foreach (var section in configuration.GetChildren())
        {
            if (root.Children.TryGetValue(section.Key, out var shape))
            {
                CheckSection(section, shape, section.Key, errors);
            }
            else if (root.Children.Keys.Select(known => ClosestName.Find(section.Key, [known], MaxTopLevelTypo(known))).OfType<string>().FirstOrDefault() is { } meant)
            {
                // "Gatway": { ... } was passed over whole, and the gateway ran on defaults: no agent keys, the demo upstream;
                // "Aprovers" left the page open to this machine only.
                errors.Add($"{section.Key} is not a section the gateway knows, so nothing in it would be read; did you mean {meant}?");
            }
        }

        CheckUrls(configuration, errors);
        if (errors.Count > 0)
        {
            throw new OptionsValidationException("settings", typeof(IConfiguration), errors);
        }
    }

    private static void CheckSection(IConfigurationSection section, Shape shape, string path, List<string> errors)
    {
        foreach (var type in shape.Types)
        {
            if (!IsObject(type))
            {
                CheckValue(section, type, path, errors);
            }
        }

        var objects = shape.Types.Where(IsObject).ToList();
        if (objects.Count == 0 && shape.Children.Count == 0)
        {
            return;
        }

        foreach (var child in section.GetChildren())
        {
            var childPath = $"{path}:{child.Key}";
            var properties = objects.SelectMany(Bindable).Where(p => string.Equals(p.Name, child.Key, StringComparison.OrdinalIgnoreCase)).ToList();
            shape.Children.TryGetValue(child.Key, out var nested);
            if (properties.Count == 0 && nested is null)
            {
                errors.Add(Unknown(path, child.Key, objects.SelectMany(Bindable).Select(p => p.Name).Concat(shape.Children.Keys)));
                continue;
            }

            foreach (var property in properties)
            {
                CheckValue(child, property.PropertyType, childPath, errors);
            }

            if (nested is not null)
            {
                CheckSection(child, nested, childPath, errors);
            }
        }
    }

    private static void CheckValue(IConfigurationSection section, Type type, string path, List<string> errors)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (IsScalar(type))
        {
            // An empty value is what the binder leaves alone too (an empty JSON array or object, `--Key=`).
            if (!string.IsNullOrEmpty(section.Value) && !Converts(section.Value, type))
            {
                errors.Add($"{path}: '{section.Value}' is not {Expected(type)}.");
            }
            else if (type == typeof(TimeSpan) && long.TryParse(section.Value, out var days) && days > 0)
            {
                // TimeSpan reads a bare number as days: "ConnectTimeout": "30" meant seconds and waited a month. A negative
                // one is left to the setting's own validation ("must be positive"): no way of writing it would do.
                errors.Add($"{path}: '{section.Value}' would be {days} days; write the duration as hh:mm:ss, e.g. 00:00:{Math.Min(days, 59):00} for seconds or {days}.00:00:00 for days.");
            }
        }
        else if (DictionaryValueType(type) is { } valueType)
        {
            foreach (var entry in section.GetChildren())
            {
                CheckValue(entry, valueType, $"{path}:{entry.Key}", errors);
            }
        }
        else if (ListElementType(type) is { } elementType)
        {
            if (!string.IsNullOrEmpty(section.Value))
            {
                errors.Add($"{path} must be a list, e.g. [\"a\", \"b\"] (on the command line {path}:0=a {path}:1=b), not '{section.Value}'.");
            }

            foreach (var item in section.GetChildren())
            {
                CheckValue(item, elementType, $"{path}:{item.Key}", errors);
            }
        }
        else
        {
            CheckSection(section, new Shape([type], new Dictionary<string, Shape>(StringComparer.OrdinalIgnoreCase)), path, errors);
        }
    }

    /// <summary>Kestrel throws a FormatException when it starts, after the host has logged it with its stack, and exits 1.</summary>
    private static void CheckUrls(IConfiguration configuration, List<string> errors)
    {
        // Kestrel's own endpoints, when given, win over urls: it is then not read.
        if (configuration["urls"] is not { Length: > 0 } urls || configuration.GetSection("Kestrel:Endpoints").GetChildren().Any())
        {
            return;
        }

        foreach (var url in urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            try
            {
                BindingAddress.Parse(url);
            }
            catch (FormatException)
            {
                errors.Add($"urls: '{url}' is not an address to listen on; write it as http://localhost:5180 or http://*:5180 (several separated by ';').");
            }
        }
    }

    private static string Unknown(string path, string key, IEnumerable<string> known)
    {
        var names = known.Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.OrdinalIgnoreCase).ToList();
        return ClosestName.Find(key, names) is { } closest
            ? $"{path}:{key} is not a setting the gateway knows; did you mean {path}:{closest}?"
            : $"{path}:{key} is not a setting the gateway knows; those under {path} are {string.Join(", ", names)}.";
    }

    private static bool Converts(string value, Type type)
    {
        try
        {
            // The conversion the binder makes.
            TypeDescriptor.GetConverter(type).ConvertFromInvariantString(value);
            return true;
        }
        catch (Exception e) when (e is FormatException or ArgumentException or NotSupportedException or OverflowException)
        {
            return false;
        }
    }

    private static string Expected(Type type) => type switch
    {
        _ when type.IsEnum => $"one of {string.Join(", ", Enum.GetNames(type))}",
        _ when type == typeof(TimeSpan) => "a duration such as 00:00:30 (hh:mm:ss) or 1.00:00:00 (a day)",
        _ when type == typeof(bool) => "true or false",
        _ when type == typeof(int) || type == typeof(long) => "a whole number",
        _ => $"a {type.Name}",
    };

    /// <summary>What the binder sets: a public setter, or a collection or nested options it fills in place.</summary>
    private static IEnumerable<PropertyInfo> Bindable(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p =>
            p.GetIndexParameters().Length == 0
            && (p.SetMethod is { IsPublic: true } || (!IsScalar(p.PropertyType) && !p.PropertyType.IsInterface)));

    private static bool IsScalar(Type type) => TypeDescriptor.GetConverter(type).CanConvertFrom(typeof(string));

    private static bool IsObject(Type type) =>
        !IsScalar(Nullable.GetUnderlyingType(type) ?? type) && DictionaryValueType(type) is null && ListElementType(type) is null;

    private static Type? DictionaryValueType(Type type) =>
        type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Dictionary<,>) ? type.GetGenericArguments()[1] : null;

    private static Type? ListElementType(Type type) =>
        type.IsArray ? type.GetElementType()
        : type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>) ? type.GetGenericArguments()[0]
        : null;

    /// <summary>The types bound at one section, and the sections bound below it by other types.</summary>
    private sealed record Shape(List<Type> Types, Dictionary<string, Shape> Children)
    {
        public static Shape Of(IEnumerable<(string Section, Type Type)> bound)
        {
            var root = new Shape([], new Dictionary<string, Shape>(StringComparer.OrdinalIgnoreCase));
            foreach (var (section, type) in bound)
            {
                if (section.Length == 0)
                {
                    foreach (var property in Bindable(type))
                    {
                        root.At(property.Name).Types.Add(property.PropertyType);
                    }
                }
                else
                {
                    root.At(section).Types.Add(type);
                }
            }

            return root;
        }

        private Shape At(string section)
        {
            var shape = this;
            foreach (var key in section.Split(':'))
            {
                if (!shape.Children.TryGetValue(key, out var child))
                {
                    child = new Shape([], new Dictionary<string, Shape>(StringComparer.OrdinalIgnoreCase));
                    shape.Children[key] = child;
                }

                shape = child;
            }

            return shape;
        }
    }
}
