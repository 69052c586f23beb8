package dev.cinnabar.server.scripting;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaValue;

class ScriptWatchdogTest {
    private static void run(ScriptWatchdog w, int instructions) {
        for (int i = 0; i < instructions; i++) {
            w.onInstruction(i, LuaValue.NONE, 0);
        }
    }

    @Test
    void aKillThatArrivesAfterTheScriptEndedDoesNotEndTheNextLoadOrScript() {
        ScriptWatchdog w = new ScriptWatchdog();
        w.start(0);
        w.stop();
        w.kill(); // SCRIPT KILL racing the end of the script it was meant for
        w.startLoad();
        assertThatCode(() -> run(w, 5000)).doesNotThrowAnyException();
        w.stopLoad();
        w.kill();
        w.start(0);
        assertThatCode(() -> run(w, 5000)).doesNotThrowAnyException();
        w.stop();
    }

    @Test
    void aKillOfTheRunningScriptEndsIt() {
        ScriptWatchdog w = new ScriptWatchdog();
        w.start(0);
        w.kill();
        assertThatThrownBy(() -> run(w, 5000)).isInstanceOf(LuaError.class);
        w.stop();
    }
}
