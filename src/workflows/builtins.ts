/**
 * The workflows that come with Pipulate, as the text of their files: "Pipulate: New
 * Workflow" writes one into .pipulate/workflows/ to start from, and the catalog offers
 * them (a file of the same name takes their place).
 */

export interface BuiltinWorkflow {
  name: string;
  /** The file's text (JSON with comments). */
  text: string;
  /** Only a template for New Workflow, not a workflow to run. */
  templateOnly?: boolean;
}

// not-ui: the text of workflow files (written into the user's file, or read as one by the catalog); their titles are the workflows' content, as in any workflow the user writes
export const BUILTIN_WORKFLOWS: readonly BuiltinWorkflow[] = [
  {
    name: 'hello',
    text: `// A first workflow: two steps, the second filled from the first.
// Runs are keyed: open this workflow again with the same key to resume where you left.
{
  "title": "Hello",
  "description": "Says hello: a name, then a greeting made from it.",
  "steps": [
    { "id": "name", "title": "Your name", "type": "input", "input": "text", "required": true },
    {
      "id": "greeting",
      "title": "Greeting",
      "type": "input",
      "input": "text",
      "help": "Edit it as you like.",
      "default": "Hello, {{name}}!"
    }
  ]
}
`,
  },
  {
    name: 'plan-a-feature',
    text: `// A goal and its constraints, a plan the local model drafts from them, edited by you, then its lines as todos.
{
  "title": "Plan a feature",
  "description": "From a goal and its constraints to a plan you edited.",
  "steps": [
    { "id": "goal", "title": "Goal", "type": "input", "input": "multiline", "help": "What should the feature do, for whom?" },
    { "id": "constraints", "title": "Constraints", "type": "input", "input": "multiline", "required": false, "help": "Deadlines, things not to touch, tools to use." },
    {
      "id": "plan",
      "title": "Plan",
      "type": "generate",
      "help": "The model drafts it; edit it before you accept it.",
      "prompt": "Write a short implementation plan for this feature as a list of concrete steps, one per line, each starting with \\"- \\". No other text.\\n\\nGoal:\\n{{goal}}\\n\\nConstraints:\\n{{constraints}}"
    },
    { "id": "todos", "title": "Plan to todos", "type": "todos", "from": "{{plan}}", "help": "Each line of the plan becomes a todo in the Tasks list." }
  ]
}
`,
  },
  {
    name: 'describe-my-changes',
    text: `// The changes in this folder's git repository, then a commit message the local model writes from them.
// The command runs only in a trusted workspace, and only when you click Run.
{
  "title": "Describe my changes",
  "description": "A commit message for what git diff shows.",
  "steps": [
    {
      "id": "diff",
      "title": "Changes",
      "type": "command",
      "run": "git diff --staged --quiet && (git diff --stat && git diff) || (git diff --staged --stat && git diff --staged)",
      "timeoutSeconds": 30,
      "help": "The staged changes (what a commit takes), or, with nothing staged, the changes not staged yet."
    },
    {
      "id": "message",
      "title": "Commit message",
      "type": "generate",
      "prompt": "Write a git commit message for these changes: a summary line of at most 72 characters, a blank line, then a short body saying what changed and why. Only the message.\\n\\n{{diff}}"
    }
  ]
}
`,
  },
  {
    name: 'blank',
    templateOnly: true,
    text: `// A workflow: steps in order, each run keyed. Step types: "input" (text, multiline,
// choice, checkbox), "generate" (the chat's model writes it from a prompt) and "todos"
// (the lines of "from" become todos). {{step_id}} is an earlier step's value.
{
  "title": "My workflow",
  "steps": [
    { "id": "first", "title": "First step", "type": "input", "input": "text" }
  ]
}
`,
  },
];
