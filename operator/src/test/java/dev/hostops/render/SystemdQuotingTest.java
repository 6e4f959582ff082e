package dev.hostops.render;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.hostops.host.ShellQuoting;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SystemdQuotingTest {
  @ParameterizedTest(name = "[{index}] {0}")
  @CsvSource(delimiter = '|', quoteCharacter = '\'', textBlock = """
      plain                      | plain
      /usr/bin/docker            | /usr/bin/docker
      8080:80/udp                | 8080:80/udp
      KEY=value                  | KEY=value
      two words                  | "two words"
      100%                       | "100%%"
      %H                         | "%%H"
      $HOME                      | "$$HOME"
      ${PATH}                    | "$${PATH}"
      say "hi"                   | "say \\"hi\\""
      back\\slash                | "back\\\\slash"
      semi;colon                 | "semi;colon"
      ;                          | ";"
      $(reboot)                  | "$$(reboot)"
      `reboot`                   | "`reboot`"
      it's                       | "it's"
      """)
  void quotesOneWord(String value, String expected) {
    assertEquals(expected, SystemdQuoting.word(value));
  }

  @org.junit.jupiter.api.Test
  void controlCharactersBecomeEscapes() {
    assertEquals("\"a\\nb\\tc\\rd\\x01\"", SystemdQuoting.word("a\nb\tc\rd\u0001"));
    assertEquals("\"\"", SystemdQuoting.word(""));
  }

  @org.junit.jupiter.api.Test
  void aCommandLineIsWordsJoinedBySpaces() {
    assertEquals("/usr/bin/docker run -e \"A=b c\" img", SystemdQuoting.commandLine(
        List.of("/usr/bin/docker", "run", "-e", "A=b c", "img")));
  }

  @org.junit.jupiter.api.Test
  void textSettingsCannotStartANewLineOrSpecifier() {
    assertEquals("a b %%n", SystemdQuoting.text("a\nb %n"));
  }

  @org.junit.jupiter.api.Test
  void shellQuotingNeverExpands() {
    assertEquals("'it'\\''s $HOME'", ShellQuoting.quote("it's $HOME"));
  }
}
