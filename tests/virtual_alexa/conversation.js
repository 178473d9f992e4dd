"use strict";
// One conversation with the running skill, driven by Bespoken's virtual-alexa:
// a client nobody here wrote, reading our own interaction model, so that the
// utterances below reach the server only if our samples and slot synonyms
// really map them to the intents and activity ids the skill expects.
//
//   AFTERCARE_SKILL_URL=http://127.0.0.1:8000/alexa [AFTERCARE_SKILL_ID=amzn1.ask.skill.…] \
//       node tests/virtual_alexa/conversation.js
//
// The server must run with AFTERCARE_DEFAULT_TIMEZONE=UTC: virtual-alexa sends
// no deviceId, so the skill speaks in its default zone. It answers relative to
// the real clock, so the expectations are computed from the current UTC date
// (a run that straddles midnight UTC may see them off by a day).
// Prints each turn; exits 1 on the first unexpected answer or failed request.

const path = require("path");

// virtual-alexa loads aws-sdk v2 for its DynamoDB mock, which this script does
// not use; its end-of-support notice would only clutter the transcript.
process.env.AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE = "1";
const { VirtualAlexa } = require("virtual-alexa");

const MODEL_FILE = path.join(__dirname, "..", "..", "interaction_model", "en-US.json");
const HOUR_MS = 60 * 60 * 1000;
const WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const AFTER_AN_ANSWER = " What else would you like to know?";

// A turn that went wrong, in words that name the turn.
class ConversationFailure extends Error {}

function expectation(description, test) {
    return { description, test };
}
const startsWith = (prefix) => expectation(`to start with "${prefix}"`, (speech) => speech.startsWith(prefix));
const endsWith = (suffix) => expectation(`to end with "${suffix}"`, (speech) => speech.endsWith(suffix));
const exactly = (text) => expectation(`to be "${text}"`, (speech) => speech === text);
// An answer in an opened skill is followed by the question that keeps the conversation going.
const answered = (text) => exactly(text + AFTER_AN_ANSWER);

function spokenText(reply) {
    const ssml = reply.prompt();
    if (ssml === undefined) {
        return undefined;
    }
    return ssml.replace(/^<speak>/, "").replace(/<\/speak>$/, "");
}

async function turn(said, send, expected) {
    let reply;
    try {
        reply = await send();
    } catch (failure) {
        // virtual-alexa rejects a non-200 answer with a bare string, and throws on
        // an utterance our model's samples do not match.
        throw new ConversationFailure(`"${said}" got no answer: ${failure}`);
    }
    const speech = spokenText(reply);
    console.log(`${said} → ${speech === undefined ? "(nothing spoken)" : speech}`);
    if (expected && !(speech !== undefined && expected.test(speech))) {
        throw new ConversationFailure(`after "${said}" expected the skill's speech ${expected.description}, got: ${speech}`);
    }
}

async function converse(alexa) {
    // "Yesterday at 2 PM" and every instant the skill names, from one reading of the clock.
    const now = new Date();
    const treatedAt = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - 1, 14);
    const treatmentDate = new Date(treatedAt).toISOString().slice(0, 10);
    const swimmingDay = WEEKDAYS[new Date(treatedAt + 72 * HOUR_MS).getUTCDay()];

    // virtual-alexa passes AMAZON.DATE and AMAZON.TIME text through unresolved (it
    // would send "yesterday" as it is), so the slots carry what Alexa would resolve.
    const recordTreatment = (confirmationStatus) =>
        alexa.request()
            .intent("RecordTreatmentIntent", confirmationStatus)
            .slot("date", treatmentDate)
            .slot("time", "14:00")
            .send();

    await turn("open skin aftercare", () => alexa.launch(), endsWith("When was your treatment?"));
    await turn(
        `[RecordTreatmentIntent date=${treatmentDate} time=14:00]`,
        () => recordTreatment("NONE"),
        exactly("You had your treatment yesterday at 2 PM. Is that right?"),
    );
    await turn(
        "[yes: RecordTreatmentIntent CONFIRMED]",
        () => recordTreatment("CONFIRMED"),
        startsWith("Got it, I've saved that"),
    );
    for (const [utterance, expected] of [
        ["can I wear makeup yet", startsWith("Not yet. Makeup is fine from 2 PM tomorrow")],
        ["when can I go swimming", answered(`Swimming pools are fine from 2 PM on ${swimmingDay}.`)],
        ["can I go to work", answered("Yes. You can go back to work after the procedure if you're comfortable.")],
        // The symptom slot's entity resolution, read from our model, reaches the skill as "redness".
        ["is redness normal", startsWith(
            "That's expected if it's minor: the sheet expects minor redness and irritation for a few days",
        )],
    ]) {
        await turn(utterance, () => alexa.utter(utterance), expected);
    }
    // The server must accept the end of the session (a rejected request rejects the promise).
    await turn("[session ended by the user]", () => alexa.endSession(), null);
}

async function main() {
    const skillURL = process.env.AFTERCARE_SKILL_URL;
    if (!skillURL) {
        console.error("Set AFTERCARE_SKILL_URL to the skill endpoint, e.g. http://127.0.0.1:8000/alexa");
        process.exit(2);
    }
    const builder = VirtualAlexa.Builder()
        .skillURL(skillURL)
        .interactionModelFile(MODEL_FILE)
        .locale("en-US");
    // Left alone, virtual-alexa invents an applicationId per run, which a server
    // that checks the skill id (AFTERCARE_SKILL_ID) rightly rejects.
    if (process.env.AFTERCARE_SKILL_ID) {
        builder.applicationID(process.env.AFTERCARE_SKILL_ID);
    }
    try {
        await converse(builder.create());
    } catch (failure) {
        console.error(`FAILED: ${failure instanceof ConversationFailure ? failure.message : failure.stack}`);
        process.exit(1);
    }
    console.log("The conversation went as expected.");
}

main();
