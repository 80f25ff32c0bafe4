using System.Text.Json;
using ApprovalGateway.Policy.Conditions;
using ApprovalGateway.Policy.Evaluation;
using ApprovalGateway.Policy.Matching;
using ApprovalGateway.Policy.Model;
using ApprovalGateway.Policy.Risk;

namespace ApprovalGateway.Policy.Parsing;

/// <summary>
/// Walks the positioned JSON tree into a <see cref="PolicyDocument"/>, collecting every problem with its place
/// instead of stopping at the first, so one run of <c>validate</c> shows them all.
/// </summary>
/// <param name="warnings">Settings that are valid but can never do anything, with their place; the policy still loads.</param>
/// <param name="places">
/// Where each agent section, rule, rule setting, approval setting and listed approver is written, by the name messages
/// give it (see <see cref="PolicySourceMap"/>).
/// </param>
internal sealed class DocumentReader(
    List<(int Offset, string Message)> problems,
    List<(int Offset, string Message)>? warnings = null,
    Dictionary<string, int>? places = null)
{
    /// <summary>Every top-level key the parser accepts; the JSON Schema must name the same set.</summary>
    public static readonly string[] TopLevelKeys = ["$schema", "version", "description", "default", "hide", "tools", "risk", "agents", "classify"];

    private static readonly string[] RuleKeys = ["action", "reason", "description", "rate_limit", "when", "approval"];
    private static readonly string[] AgentKeys = ["description", "default", "hide", "tools", "risk"];
    private static readonly string[] RateLimitKeys = ["max", "window", "per"];
    private static readonly string[] ConditionKeys = ["if", "action", "reason"];
    private static readonly string[] ClassifyKeys = ["category", "risk", "reason"];
    private static readonly string[] ApprovalKeys = ["timeout", "on_timeout", "approvers", "approvals", "channels", "grant_minutes", "slack_channel", "allow_self_approval", "elicitation_decline"];
    private static readonly string[] Channels = ["slack", "web", "elicitation"];

    public PolicyDocument ReadRoot(SourceNode root)
    {
        if (!Expect(root, JsonValueKind.Object, "the policy"))
        {
            return new PolicyDocument();
        }

        CheckKeys(root, TopLevelKeys, "the policy");
        var document = new PolicyDocument();
        if (Find(root, "version") is { } version)
        {
            if (version.Kind != JsonValueKind.String || version.Text != "1")
            {
                Problem(version, "\"version\" must be the string \"1\"");
            }
        }

        if (Find(root, "default") is { } def && ReadAction(def, "\"default\"") is { } defaultAction)
        {
            document = document with { Default = defaultAction };
        }

        if (Find(root, "description") is { } description)
        {
            Expect(description, JsonValueKind.String, "\"description\"");
        }

        if (Find(root, "$schema") is { } schema)
        {
            Expect(schema, JsonValueKind.String, "\"$schema\"");
        }

        var hide = ReadGlobList(Find(root, "hide"), "hide");
        return document with
        {
            Hide = hide,
            Tools = ReadToolRules(Find(root, "tools"), "tools", [.. hide.Select(glob => ("hide", glob))]),
            Risk = ReadRiskRules(Find(root, "risk"), "risk"),
            Agents = ReadAgents(Find(root, "agents"), hide),
            Classify = ReadClassify(Find(root, "classify")),
        };
    }

    private Dictionary<string, AgentDocument> ReadAgents(SourceNode? node, List<string> globalHide)
    {
        // The gateway's agent names (Gateway:Agents) are configuration keys, which ignore case; a section must
        // apply to its agent however either side spells it.
        var agents = new Dictionary<string, AgentDocument>(StringComparer.OrdinalIgnoreCase);
        if (node is null || !Expect(node, JsonValueKind.Object, "\"agents\""))
        {
            return agents;
        }

        foreach (var (name, offset, value) in node.Properties)
        {
            var where = $"agents.{name}";
            if (string.IsNullOrWhiteSpace(name))
            {
                Problem(offset, "an agent name must not be empty");
                continue;
            }

            if (!Expect(value, JsonValueKind.Object, where))
            {
                continue;
            }

            if (agents.Keys.FirstOrDefault(known => string.Equals(known, name, StringComparison.OrdinalIgnoreCase)) is { } same)
            {
                Problem(offset, $"{where}: the same agent as agents.{same} (agent names ignore case); merge the two sections");
                continue;
            }

            CheckKeys(value, AgentKeys, where);
            Place(where, offset);
            var hide = ReadGlobList(Find(value, "hide"), $"{where}.hide");
            agents[name] = new AgentDocument
            {
                Default = Find(value, "default") is { } def ? ReadAction(def, $"{where}.default") : null,
                Hide = hide,
                Tools = ReadToolRules(
                    Find(value, "tools"), $"{where}.tools", [.. hide.Select(glob => ($"{where}.hide", glob)), .. globalHide.Select(glob => ("hide", glob))]),
                Risk = ReadRiskRules(Find(value, "risk"), $"{where}.risk"),
            };
        }

        return agents;
    }

    /// <param name="hiddenBy">The hide lists that apply to these rules' calls (named as the policy spells them), for the warning below.</param>
    private Dictionary<string, RuleDocument> ReadToolRules(SourceNode? node, string where, List<(string List, string Glob)> hiddenBy)
    {
        var rules = new Dictionary<string, RuleDocument>(StringComparer.Ordinal);
        if (node is null || !Expect(node, JsonValueKind.Object, $"\"{where}\""))
        {
            return rules;
        }

        foreach (var (pattern, offset, value) in node.Properties)
        {
            if (!Glob.TryCreate(pattern, out var glob, out var error))
            {
                Problem(offset, $"{where}: {error}");
                continue;
            }

            Place($"{where}[\"{pattern}\"]", offset);
            if (ReadRule(value, $"{where}[\"{pattern}\"]") is { } rule)
            {
                rules[pattern] = rule;
                WarnIfHidden(offset, $"{where}[\"{pattern}\"]", glob!, hiddenBy);
            }
        }

        return rules;
    }

    private Dictionary<RiskClass, RuleDocument> ReadRiskRules(SourceNode? node, string where)
    {
        var rules = new Dictionary<RiskClass, RuleDocument>();
        if (node is null || !Expect(node, JsonValueKind.Object, $"\"{where}\""))
        {
            return rules;
        }

        foreach (var (name, offset, value) in node.Properties)
        {
            if (!RiskNames.TryParseRisk(name, out var risk))
            {
                Problem(offset, $"{where}: unknown risk class \"{name}\" (expected one of: low, medium, high, critical)");
                continue;
            }

            Place($"{where}.{name}", offset);
            if (ReadRule(value, $"{where}.{name}") is { } rule)
            {
                rules[risk] = rule;
            }
        }

        return rules;
    }

    private Dictionary<string, ClassifyDocument> ReadClassify(SourceNode? node)
    {
        var entries = new Dictionary<string, ClassifyDocument>(StringComparer.Ordinal);
        if (node is null || !Expect(node, JsonValueKind.Object, "\"classify\""))
        {
            return entries;
        }

        foreach (var (pattern, offset, value) in node.Properties)
        {
            var where = $"classify[\"{pattern}\"]";
            if (!Glob.TryCreate(pattern, out _, out var error))
            {
                Problem(offset, $"classify: {error}");
                continue;
            }

            if (!Expect(value, JsonValueKind.Object, where))
            {
                continue;
            }

            CheckKeys(value, ClassifyKeys, where);
            ToolCategory? category = null;
            RiskClass? risk = null;
            if (Find(value, "category") is { } c)
            {
                if (RiskNames.TryParseCategory(c.Text, out var parsed))
                {
                    category = parsed;
                }
                else
                {
                    Problem(c, $"{where}.category: expected one of: read-only, write, destructive, financial, not {Given(c)}");
                }
            }

            if (Find(value, "risk") is { } r)
            {
                if (RiskNames.TryParseRisk(r.Text, out var parsed))
                {
                    risk = parsed;
                }
                else
                {
                    Problem(r, $"{where}.risk: expected one of: low, medium, high, critical, not {Given(r)}");
                }
            }

            if (Find(value, "category") is null && Find(value, "risk") is null)
            {
                Problem(value, $"{where}: give \"category\", \"risk\" or both");
            }

            entries[pattern] = new ClassifyDocument(category, risk, ReadString(Find(value, "reason"), $"{where}.reason"));
        }

        return entries;
    }

    private RuleDocument? ReadRule(SourceNode node, string where)
    {
        if (node.Kind == JsonValueKind.String)
        {
            return ReadAction(node, where) is { } only ? new RuleDocument { Action = only } : null;
        }

        if (!Expect(node, JsonValueKind.Object, $"{where} (a rule object or an action string)"))
        {
            return null;
        }

        CheckKeys(node, RuleKeys, where);
        PlaceProperties(node, where);
        var rule = new RuleDocument();
        if (Find(node, "action") is { } actionNode && ReadAction(actionNode, $"{where}.action") is { } action)
        {
            rule = rule with { Action = action };
        }

        _ = ReadString(Find(node, "description"), $"{where}.description");
        rule = rule with
        {
            Reason = ReadString(Find(node, "reason"), $"{where}.reason"),
            RateLimit = ReadRateLimit(Find(node, "rate_limit"), $"{where}.rate_limit"),
            When = ReadConditions(Find(node, "when"), $"{where}.when"),
            Approval = ReadApproval(Find(node, "approval"), $"{where}.approval"),
        };
        WarnOfInertSettings(node, rule, where);
        return rule;
    }

    /// <summary>
    /// Settings the rule's actions (its own and its conditions') can never use, accepted silently before: an admin who
    /// wrote a rate limit on a deny rule, or approvers on an allow rule, believes something holds that does not.
    /// </summary>
    /// <summary>
    /// Hide always wins, so a rule for tools that are all hidden decides nothing: an admin who writes
    /// <c>"X": "allow"</c> beside a hide of <c>X</c> (or of <c>X*</c>) means one of the two and should hear which one holds.
    /// </summary>
    private void WarnIfHidden(int offset, string where, Glob rule, List<(string List, string Glob)> hiddenBy)
    {
        foreach (var (list, pattern) in hiddenBy)
        {
            if (Glob.TryCreate(pattern, out var hide, out _) && hide!.Covers(rule))
            {
                warnings?.Add((offset, $"{where} never applies: {list}[\"{pattern}\"] hides every tool it matches, and hide always wins"));
                return;
            }
        }
    }

    private void WarnOfInertSettings(SourceNode node, RuleDocument rule, string where)
    {
        if (warnings is null)
        {
            return;
        }

        PolicyAction[] actions = [rule.Action, .. rule.When.Select(c => c.Action)];
        var notHeld = rule.When.Count == 0
            ? $"its action is {rule.Action.ToWireName()}, not require_approval"
            : "neither its action nor any of its conditions' is require_approval";
        if (Find(node, "rate_limit") is { } rateLimit && actions.All(a => a == PolicyAction.Deny))
        {
            warnings.Add((rateLimit.Offset, $"{where}.rate_limit never counts a call: every call this rule matches is denied, and denied calls are not counted"));
        }

        if (Find(node, "approval") is { } approval && !actions.Contains(PolicyAction.RequireApproval))
        {
            warnings.Add((approval.Offset, $"{where}.approval never applies: {notHeld}, so this rule holds no call for approval"));
        }

        if (Find(node, "reason") is { } reason && actions.All(a => a == PolicyAction.Allow))
        {
            warnings.Add((reason.Offset, $"{where}.reason is never shown: it goes with a denial or an approval request, and this rule only allows"));
        }
    }

    private RateLimitDocument? ReadRateLimit(SourceNode? node, string where)
    {
        if (node is null || !Expect(node, JsonValueKind.Object, where))
        {
            return null;
        }

        CheckKeys(node, RateLimitKeys, where);
        var max = ReadPositiveInt(Find(node, "max"), $"{where}.max", required: node);
        var window = ReadPositiveInt(Find(node, "window"), $"{where}.window", required: node);
        var per = RateLimitScope.Session;
        if (Find(node, "per") is { } perNode)
        {
            switch (perNode.Text)
            {
                case "session":
                    break;
                case "agent":
                    per = RateLimitScope.Agent;
                    break;
                case "global":
                    per = RateLimitScope.Global;
                    break;
                default:
                    Problem(perNode, $"{where}.per: expected \"session\", \"agent\" or \"global\", not {Given(perNode)}");
                    break;
            }
        }

        return max is { } m && window is { } w ? new RateLimitDocument(m, w, per) : null;
    }

    private List<ConditionDocument> ReadConditions(SourceNode? node, string where)
    {
        var conditions = new List<ConditionDocument>();
        if (node is null || !Expect(node, JsonValueKind.Array, where))
        {
            return conditions;
        }

        for (var i = 0; i < node.Items.Count; i++)
        {
            var item = node.Items[i];
            var at = $"{where}[{i}]";
            if (!Expect(item, JsonValueKind.Object, at))
            {
                continue;
            }

            CheckKeys(item, ConditionKeys, at);
            var ifNode = Find(item, "if");
            var actionNode = Find(item, "action");
            if (ifNode is null || actionNode is null)
            {
                Problem(item, $"{at}: a condition needs \"if\" and \"action\"");
                continue;
            }

            var action = ReadAction(actionNode, $"{at}.action");
            if (!Expect(ifNode, JsonValueKind.String, $"{at}.if"))
            {
                continue;
            }

            if (!ConditionParser.TryParse(ifNode.Text!, out _, out var error))
            {
                Problem(ifNode, $"{at}.if: bad condition \"{ifNode.Text}\": {error}");
                continue;
            }

            if (action is { } a)
            {
                conditions.Add(new ConditionDocument(ifNode.Text!, a, ReadString(Find(item, "reason"), $"{at}.reason")));
            }
        }

        return conditions;
    }

    private ApprovalSettings ReadApproval(SourceNode? node, string where)
    {
        if (node is null || !Expect(node, JsonValueKind.Object, where))
        {
            return ApprovalSettings.Default;
        }

        CheckKeys(node, ApprovalKeys, where);
        PlaceProperties(node, where);
        var settings = ApprovalSettings.Default;
        if (ReadPositiveInt(Find(node, "timeout"), $"{where}.timeout", max: (ApprovalSettings.MaxTimeoutSeconds, "seconds (7 days)")) is { } timeout)
        {
            settings = settings with { Timeout = TimeSpan.FromSeconds(timeout) };
        }

        if (Find(node, "on_timeout") is { } onTimeout && onTimeout.Text != "reject")
        {
            Problem(onTimeout, $"{where}.on_timeout: only \"reject\" is supported (a gateway never approves on its own)");
        }

        var approversNode = Find(node, "approvers");
        var approvers = ReadStringList(approversNode, $"{where}.approvers");
        foreach (var blank in approversNode?.Items.Where(i => i.Kind == JsonValueKind.String && string.IsNullOrWhiteSpace(i.Text)) ?? [])
        {
            // A blank name matches no approver, so the rule's calls could only time out, yet the file passed as valid.
            Problem(blank, $"an entry of {where}.approvers is empty: list approver names or Slack user IDs, or leave the list out to let any approver decide");
        }

        for (var i = 0; i < (approversNode?.Items.Count ?? 0); i++)
        {
            Place($"{where}.approvers[{i}]", approversNode!.Items[i].Offset);
        }

        approvers.RemoveAll(string.IsNullOrWhiteSpace);
        settings = settings with { Approvers = approvers };
        if (Find(node, "approvals") is { } approvalsNode && ReadPositiveInt(approvalsNode, $"{where}.approvals") is { } approvals)
        {
            // Approver names ignore case, so "alice" and "Alice" are one approver: counted as two, a rule that
            // could never gather its approvals passed as valid.
            var distinct = approvers.Distinct(StringComparer.OrdinalIgnoreCase).Count();
            if (approvers.Count > 0 && approvals > distinct)
            {
                var listed = distinct < approvers.Count ? $"{distinct} distinct listed (approver names ignore case)" : $"{distinct} listed";
                Problem(approvalsNode, $"{where}.approvals: {approvals} distinct approvers needed but only {listed}");
            }

            settings = settings with { Approvals = approvals };
        }

        if (Find(node, "channels") is { } channelsNode)
        {
            var channels = ReadStringList(channelsNode, $"{where}.channels");
            foreach (var channel in channels.Where(c => !Channels.Contains(c)))
            {
                Problem(channelsNode, $"{where}.channels: unknown channel \"{channel}\" (expected slack, web or elicitation)");
            }

            if (channels.Count == 0)
            {
                Problem(channelsNode, $"{where}.channels: list at least one channel");
            }

            settings = settings with { Channels = channels };
        }

        if (Find(node, "grant_minutes") is { } grant)
        {
            if (grant.Kind != JsonValueKind.Number || !IsWhole(grant.Number) || grant.Number < 0)
            {
                Problem(grant, $"{where}.grant_minutes: expected a whole number of minutes, 0 or more");
            }
            else if (grant.Number > ApprovalSettings.MaxGrantMinutes)
            {
                Problem(grant, TooLarge($"{where}.grant_minutes", grant, ApprovalSettings.MaxGrantMinutes, "minutes (7 days)"));
            }
            else
            {
                settings = settings with { GrantMinutes = (int)grant.Number };
            }
        }

        var slackChannelNode = Find(node, "slack_channel");
        var slackChannel = ReadString(slackChannelNode, $"{where}.slack_channel");
        if (slackChannel is not null && string.IsNullOrWhiteSpace(slackChannel))
        {
            // An empty channel is not "the default": the prompt was posted to no channel and never reached Slack.
            Problem(slackChannelNode!, $"{where}.slack_channel is empty: name a channel (its ID, as Slack:Channel takes), or leave the setting out to post in Slack:Channel");
            slackChannel = null;
        }

        settings = settings with { SlackChannel = slackChannel };
        if (Find(node, "allow_self_approval") is { } self)
        {
            if (self.Kind is JsonValueKind.True or JsonValueKind.False)
            {
                settings = settings with { AllowSelfApproval = self.Kind == JsonValueKind.True };
            }
            else
            {
                Problem(self, $"{where}.allow_self_approval: expected true or false, not {self.Describe()}");
            }
        }

        if (Find(node, "elicitation_decline") is { } decline)
        {
            if (decline.Kind == JsonValueKind.String && decline.Text is "ignore" or "reject")
            {
                settings = settings with { RejectOnElicitationDecline = decline.Text == "reject" };
            }
            else
            {
                Problem(decline, $"{where}.elicitation_decline: expected \"ignore\" or \"reject\", not {Given(decline)}");
            }
        }

        return settings;
    }

    private List<string> ReadGlobList(SourceNode? node, string where)
    {
        var globs = new List<string>();
        if (node is null || !Expect(node, JsonValueKind.Array, $"\"{where}\""))
        {
            return globs;
        }

        foreach (var item in node.Items)
        {
            if (!Expect(item, JsonValueKind.String, $"an entry of \"{where}\""))
            {
                continue;
            }

            if (Glob.TryCreate(item.Text!, out _, out var error))
            {
                globs.Add(item.Text!);
            }
            else
            {
                Problem(item, $"{where}: {error}");
            }
        }

        return globs;
    }

    private List<string> ReadStringList(SourceNode? node, string where)
    {
        var list = new List<string>();
        if (node is null || !Expect(node, JsonValueKind.Array, where))
        {
            return list;
        }

        foreach (var item in node.Items)
        {
            if (Expect(item, JsonValueKind.String, $"an entry of {where}"))
            {
                list.Add(item.Text!);
            }
        }

        return list;
    }

    private PolicyAction? ReadAction(SourceNode node, string where)
    {
        if (node.Kind == JsonValueKind.String && PolicyActionNames.TryParse(node.Text, out var action))
        {
            return action;
        }

        var found = node.Kind == JsonValueKind.String ? $"\"{node.Text}\"" : node.Describe();
        Problem(node, $"{where}: unknown action {found} (expected \"allow\", \"deny\" or \"require_approval\")");
        return null;
    }

    private string? ReadString(SourceNode? node, string where) =>
        node is not null && Expect(node, JsonValueKind.String, where) ? node.Text : null;

    /// <summary>A whole number from 1 to <paramref name="max"/> (an int's limit when not given).</summary>
    private int? ReadPositiveInt(SourceNode? node, string where, SourceNode? required = null, (int Limit, string Unit)? max = null)
    {
        if (node is null)
        {
            if (required is not null)
            {
                Problem(required, $"{where} is required");
            }

            return null;
        }

        if (node.Kind != JsonValueKind.Number || !IsWhole(node.Number) || node.Number < 1)
        {
            Problem(node, $"{where}: expected a whole number of 1 or more, not {(node.Kind == JsonValueKind.Number ? Format(node.Number) : node.Describe())}");
            return null;
        }

        var (limit, unit) = max ?? (int.MaxValue, "");
        if (node.Number > limit)
        {
            Problem(node, TooLarge(where, node, limit, unit));
            return null;
        }

        return (int)node.Number;
    }

    private static string TooLarge(string where, SourceNode node, int limit, string unit) =>
        $"{where}: {Format(node.Number)} is too large: at most {limit}{(unit.Length > 0 ? " " : "")}{unit}";

    // 1e400 reads as infinity: a whole number, only far too large.
    private static bool IsWhole(double number) => double.IsPositiveInfinity(number) || (double.IsFinite(number) && Math.Floor(number) == number);

    private static string Format(double number) => number.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The value an admin wrote, for a message that says what was expected instead.</summary>
    private static string Given(SourceNode node) => node.Kind == JsonValueKind.String ? $"\"{node.Text}\"" : node.Describe();

    private void CheckKeys(SourceNode node, string[] allowed, string where)
    {
        foreach (var property in node.Properties.Where(p => !allowed.Contains(p.Name)))
        {
            // Keys are case-sensitive and a misspelt one is otherwise read as nothing, so the key meant is named.
            var meant = ClosestName.Find(property.Name, allowed) is { } near ? $"; did you mean \"{near}\"?" : "";
            Problem(property.Offset, $"unknown field \"{property.Name}\" in {where}{meant} (expected one of: {string.Join(", ", allowed)})");
        }
    }

    private bool Expect(SourceNode node, JsonValueKind kind, string what)
    {
        if (node.Kind == kind)
        {
            return true;
        }

        var wanted = kind switch
        {
            JsonValueKind.Object => "an object",
            JsonValueKind.Array => "an array",
            JsonValueKind.String => "a string",
            _ => kind.ToString(),
        };
        Problem(node, $"{what} must be {wanted}, not {node.Describe()}");
        return false;
    }

    private static SourceNode? Find(SourceNode node, string name) => node.Properties.Find(p => p.Name == name)?.Value;

    private void Place(string where, int offset) => places?.TryAdd(where, offset);

    private void PlaceProperties(SourceNode node, string where)
    {
        foreach (var property in node.Properties)
        {
            Place($"{where}.{property.Name}", property.Offset);
        }
    }

    private void Problem(SourceNode node, string message) => Problem(node.Offset, message);

    private void Problem(int offset, string message) => problems.Add((offset, message));
}
