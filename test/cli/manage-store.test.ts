/** The management commands against the store itself: `baton --store sqlite:… <command>`. */
import { managementSuite } from "./manage-suite.js";

managementSuite("store");
