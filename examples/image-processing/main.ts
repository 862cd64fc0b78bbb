// Run: npx tsx examples/image-processing/main.ts
import { createBaton } from "../../src/index.js";
import { functions, imageProcessing } from "./functions.js";

const files = Array.from({ length: 30 }, (_, i) => `image-${i + 1}.png`);
const baton = await createBaton({ store: process.env.BATON_STORE ?? "sqlite:./baton.db", functions });
await baton.start();
const id = await baton.client.startNew(imageProcessing, { input: files });
const { output } = await baton.client.waitForCompletion(id, { timeout: "60s" });
console.log(`ImageProcessing ${id}: ${files.length} images, ${output} bytes in all`);
await baton.stop();
