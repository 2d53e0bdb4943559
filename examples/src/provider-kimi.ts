import assert from 'node:assert/strict';
//#region basic
import { createKimi, kimiFileMessages, kimiWebSearchTool } from '@exai/provider-kimi';
import { runToolLoop } from '@exai/provider-openai-compatible';
//#endregion basic
import { startSimulator } from '@exai/provider-simulator';

/** `@exai/provider-kimi`: Kimi (Moonshot) with `$web_search` and file extraction. */
export async function main(): Promise<void> {
  const simulator = await startSimulator();
  const pdfBytes = Buffer.from('%PDF-1.4 a tiny report');
  try {
    //#region basic
    // `kimi` (exported beside createKimi) reads KIMI_API_KEY or MOONSHOT_API_KEY at request time
    const kimi = createKimi({ apiKey: 'sim-key', baseURL: simulator.baseURL('kimi') });
    const answer = await kimi.chat({ model: 'kimi', messages: [{ role: 'user', content: 'Hello' }], temperature: 1.5 }); // sent as 1

    // $web_search: the model calls it, the loop echoes the arguments back, Kimi answers with the results
    const searched = await runToolLoop({
      adapter: kimi,
      request: { model: 'kimi-k2.5', messages: [{ role: 'user', content: 'News today?' }], tools: [kimiWebSearchTool] },
      tools: [],
    });

    // files: upload (purpose file-extract) → extracted text → system message
    const file = await kimi.files.upload({ filename: 'report.pdf', data: pdfBytes });
    const context = await kimiFileMessages(kimi, [file.id]);
    const reply = await kimi.chat({ model: 'kimi', messages: [...context, { role: 'user', content: 'Summarize it' }] });
    //#endregion basic
    assert.ok(answer.choices[0]?.message.content);
    assert.equal(searched.steps, 2);
    assert.ok(reply.choices[0]?.message.content);
    assert.equal(simulator.log.find((attempt) => attempt.path.endsWith('/chat/completions'))?.model, 'kimi-k2.5');
  } finally {
    await simulator.close();
  }
}
