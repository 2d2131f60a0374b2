/**
 * Opens the two maintenance bodies the ALB serves (components/maintenanceContent.ts) in headless
 * Chromium, at phone and desktop widths, from a local server that answers like the ALB's
 * fixed-response (503, the same content types). Screenshots go to test-output/.
 *
 * What this cannot prove: that the ALB sends the bodies byte for byte (its 1024-byte limit is
 * checked in awsLimits.test.ts), how other browsers or real phones render the page, or what a
 * screen reader announces. Chromium (or Chrome, or CHROMIUM_PATH) must exist: CI installs it and
 * fails without it; elsewhere the file is skipped with a message.
 */
import { expect } from "chai";
import { existsSync, mkdirSync } from "fs";
import { createServer, IncomingMessage, ServerResponse } from "http";
import { AddressInfo } from "net";
import { join } from "path";
import { Browser, chromium, ConsoleMessage, Page } from "playwright-core";
import { MAINTENANCE_HTML, MAINTENANCE_JSON } from "../components/maintenanceContent";

/** The few DOM members the page functions use; the tests compile without the DOM library. */
interface PageBox {
  readonly left: number;
  readonly right: number;
}
interface PageElement {
  readonly tagName: string;
  getBoundingClientRect(): PageBox;
}
declare const document: {
  readonly documentElement: { readonly scrollWidth: number; readonly clientWidth: number };
  readonly body: PageElement;
  querySelectorAll(selector: string): ArrayLike<PageElement>;
};
declare function getComputedStyle(element: PageElement): {
  readonly color: string;
  readonly backgroundColor: string;
};

// Debian's Chromium here and in .ci/run; GitHub's Ubuntu runners ship Google Chrome instead.
const CHROMIUM =
  process.env.CHROMIUM_PATH ??
  ["/usr/bin/chromium", "/usr/bin/google-chrome"].find((path) => existsSync(path)) ??
  "/usr/bin/chromium";
const OUTPUT_DIR = join(__dirname, "..", "test-output");
const VIEWPORTS = [
  { width: 375, height: 667 },
  { width: 1280, height: 800 },
] as const;

/** What the ALB's fixed-response actions send: the content type exactly as configured. */
const BODIES = {
  html: { path: "/", contentType: "text/html", body: MAINTENANCE_HTML },
  json: { path: "/api/items", contentType: "application/json", body: MAINTENANCE_JSON },
} as const;
type Kind = keyof typeof BODIES;

/** WCAG 2 contrast ratio of two computed `rgb(r, g, b)` colours. */
function contrastRatio(foreground: string, background: string): number {
  const luminance = (color: string) => {
    const [r, g, b] = (color.match(/\d+(\.\d+)?/g) ?? []).slice(0, 3).map((channel) => {
      const value = Number(channel) / 255;
      return value <= 0.03928 ? value / 12.92 : ((value + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const [light, dark] = [luminance(foreground), luminance(background)].sort((a, b) => b - a);
  return (light + 0.05) / (dark + 0.05);
}

/** Paths the server answered since the last visit began. */
const served: string[] = [];

function serveLikeTheAlb(request: IncomingMessage, response: ServerResponse): void {
  served.push(request.url ?? "");
  const kind: Kind = request.url?.startsWith("/api/") ? "json" : "html";
  response.writeHead(503, { "Content-Type": BODIES[kind].contentType });
  response.end(BODIES[kind].body);
}

interface Visit {
  readonly status: number | undefined;
  readonly body: string;
  readonly contentType: string | undefined;
  /** Requests the page made, as Playwright reports them. */
  readonly requests: readonly string[];
  /** Paths the server saw, less the favicon Chromium asks for on its own. */
  readonly served: readonly string[];
  /** Page errors and console errors other than the expected 503s. */
  readonly problems: readonly string[];
}

/** Elements whose box sticks out of the viewport sideways, as `tag: left-right`. */
function overflowingElements(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    return Array.from(document.querySelectorAll("body *"))
      .map((element) => [element.tagName.toLowerCase(), element.getBoundingClientRect()] as const)
      .filter(([, box]) => box.left < 0 || box.right > width)
      .map(([tag, box]) => `${tag}: ${Math.round(box.left)}-${Math.round(box.right)}`);
  });
}

interface HtmlObservation {
  readonly visit: Visit;
  readonly title: string;
  readonly headingVisible: boolean;
  /** Each expected sentence → whether it is visible. */
  readonly textsVisible: Readonly<Record<string, boolean>>;
  readonly scrollWidth: number;
  readonly clientWidth: number;
  readonly overflowing: readonly string[];
  /** [text colour, background colour] of the heading and each paragraph. */
  readonly colors: readonly (readonly [string, string])[];
}

interface JsonObservation {
  readonly visit: Visit;
  readonly messageVisible: boolean;
  readonly scrollWidth: number;
}

interface Observations {
  readonly baseUrl: string;
  readonly html: Readonly<Record<number, HtmlObservation>>;
  readonly json: Readonly<Record<number, JsonObservation>>;
}

const SENTENCES = [
  "Your work is safe.",
  "Please come back in a little while.",
  "Merci de revenir plus tard.",
];

/**
 * Everything the tests check, gathered in one pass. It starts when mocha loads this file, so
 * Chromium renders on the second core while the rest of the suite runs on the first.
 */
async function observeInChromium(): Promise<Observations> {
  mkdirSync(OUTPUT_DIR, { recursive: true });
  const server = createServer(serveLikeTheAlb);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    // One page for every visit: opening a page costs Chromium about a second, a visit a fraction.
    const page = await browser.newPage();
    let requests: string[] = [];
    let problems: string[] = [];
    let expected503s: string[] = [];
    page.on("request", (request) => requests.push(request.url()));
    page.on("console", (message: ConsoleMessage) => {
      // Chromium logs every 503 it loads; those of the page itself and its favicon are the point.
      if (message.type() !== "error" || expected503s.includes(message.location().url)) return;
      problems.push(message.text());
    });
    page.on("pageerror", (error) => problems.push(error.message));

    const visit = async (kind: Kind, viewport: (typeof VIEWPORTS)[number]): Promise<Visit> => {
      const url = `${baseUrl}${BODIES[kind].path}`;
      requests = [];
      problems = [];
      served.length = 0;
      expected503s = [url, `${baseUrl}/favicon.ico`];
      await page.setViewportSize(viewport);
      const response = await page.goto(url, { waitUntil: "load" });
      await page.screenshot({
        path: join(OUTPUT_DIR, `maintenance-${kind}-${viewport.width}.png`),
        fullPage: true,
      });
      return {
        status: response?.status(),
        body: (await response?.text()) ?? "",
        contentType: response?.headers()["content-type"],
        requests,
        served: served.filter((path) => path !== "/favicon.ico"),
        problems,
      };
    };

    const html: Record<number, HtmlObservation> = {};
    const json: Record<number, JsonObservation> = {};
    for (const viewport of VIEWPORTS) {
      const htmlVisit = await visit("html", viewport);
      const heading = page.getByRole("heading", { level: 1, name: "Graasp is under maintenance" });
      const textsVisible: Record<string, boolean> = {};
      for (const text of SENTENCES) textsVisible[text] = await page.getByText(text).isVisible();
      const widths = await page.evaluate(() => ({
        scroll: document.documentElement.scrollWidth,
        client: document.documentElement.clientWidth,
      }));
      html[viewport.width] = {
        visit: htmlVisit,
        title: await page.title(),
        headingVisible: await heading.isVisible(),
        textsVisible,
        scrollWidth: widths.scroll,
        clientWidth: widths.client,
        overflowing: await overflowingElements(page),
        colors: await page.evaluate(() => {
          const background = getComputedStyle(document.body).backgroundColor;
          const texts = Array.from(document.querySelectorAll("h1, p"));
          return texts.map((element) => [getComputedStyle(element).color, background] as const);
        }),
      };
      const jsonVisit = await visit("json", viewport);
      json[viewport.width] = {
        visit: jsonVisit,
        messageVisible: await page
          .getByText("Graasp is under maintenance", { exact: false })
          .first()
          .isVisible(),
        scrollWidth: await page.evaluate(() => document.documentElement.scrollWidth),
      };
    }
    return { baseUrl, html, json };
  } finally {
    await browser?.close();
    await new Promise((resolve) => server.close(resolve));
  }
}

const chromiumMissing = existsSync(CHROMIUM)
  ? undefined
  : `${CHROMIUM} is missing: install it with \`apt-get install -y chromium\``;
// Settled here and read in `before`: a failure is reported by the tests, never unhandled.
const observed: Promise<Observations | Error> | undefined =
  chromiumMissing === undefined ? observeInChromium().catch((error: Error) => error) : undefined;

describe("maintenance page in headless Chromium", function () {
  let observations: Observations;

  before(async function () {
    this.timeout(30000);
    if (observed === undefined) {
      if (process.env.CI === "true") throw new Error(`${chromiumMissing} (.ci/run should have)`);
      console.warn(`  skipping the maintenance browser test: ${chromiumMissing}`);
      this.skip();
    }
    const result = await observed;
    if (result instanceof Error) throw result;
    observations = result;
  });

  for (const viewport of VIEWPORTS) {
    describe(`at ${viewport.width}x${viewport.height}`, () => {
      it("shows the HTML page: heading and messages visible, nothing off-screen, no other request", () => {
        const observation = observations.html[viewport.width];
        const { status, contentType, requests, served, problems } = observation.visit;
        expect(status).to.equal(503);
        expect(contentType).to.equal("text/html");
        expect(observation.title).to.equal("Graasp - maintenance");
        expect(observation.headingVisible).to.equal(true);
        expect(observation.textsVisible).to.deep.equal(
          Object.fromEntries(SENTENCES.map((text) => [text, true])),
        );
        expect(observation.scrollWidth).to.be.at.most(observation.clientWidth);
        expect(observation.overflowing).to.deep.equal([]);
        expect(requests).to.deep.equal([`${observations.baseUrl}/`]);
        expect(served).to.deep.equal(["/"]);
        expect(problems).to.deep.equal([]);
      });

      it("keeps the HTML text readable: WCAG AA contrast (4.5:1) against the background", () => {
        const { colors } = observations.html[viewport.width];
        expect(colors).to.have.length(4);
        for (const [color, background] of colors) {
          expect(contrastRatio(color, background), `${color} on ${background}`).to.be.at.least(4.5);
        }
      });

      it("shows the JSON body: it parses, says 503, and fits the width", () => {
        const observation = observations.json[viewport.width];
        const { status, body, contentType, requests, served } = observation.visit;
        expect(status).to.equal(503);
        expect(contentType).to.equal("application/json");
        const parsed = JSON.parse(body);
        expect(parsed.statusCode).to.equal(503);
        expect(parsed.message).to.equal("Graasp is under maintenance. Please try again later.");
        expect(observation.messageVisible).to.equal(true);
        expect(observation.scrollWidth).to.be.at.most(viewport.width);
        expect(requests).to.deep.equal([`${observations.baseUrl}/api/items`]);
        expect(served).to.deep.equal(["/api/items"]);
      });
    });
  }
});
