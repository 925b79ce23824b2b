/** Module docs as the catalog shows them: the markdown a doc needs, and nothing a doc could inject. */
import { describe, expect, it } from 'vitest';
import { renderMarkdown } from '../../../src/catalog/markdown.js';

describe('renderMarkdown', () => {
  it('renders paragraphs, lists, headings, code and emphasis', () => {
    const html = renderMarkdown('One-minute *stats*.\n\n# Windows\n- **tumbling**, `1m`\n- late to `dlq`\n\n1. first\n2. second\n\n```\nconst a = 1 < 2;\n```');
    expect(html).toBe(
      [
        '<p>One-minute <em>stats</em>.</p>',
        '<h3>Windows</h3>',
        '<ul><li><strong>tumbling</strong>, <code>1m</code></li><li>late to <code>dlq</code></li></ul>',
        '<ol><li>first</li><li>second</li></ol>',
        '<pre><code>const a = 1 &lt; 2;</code></pre>',
      ].join('\n'),
    );
  });

  it('escapes HTML and keeps only safe links', () => {
    expect(renderMarkdown('<img src=x onerror=alert(1)> [ok](https://example.com/a?b=1&c=2) [bad](javascript:alert(1))')).toBe(
      '<p>&lt;img src=x onerror=alert(1)&gt; <a href="https://example.com/a?b=1&amp;c=2" rel="noopener noreferrer">ok</a> [bad](javascript:alert(1))</p>',
    );
    expect(renderMarkdown('[x](" onmouseover="alert(1))')).not.toContain('<a');
  });
});
