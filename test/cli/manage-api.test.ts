/** The management commands against a running HTTP API with a token: `baton --url http://… --token … <command>`. */
import { managementSuite } from "./manage-suite.js";

managementSuite("api");
