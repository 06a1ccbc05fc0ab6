"""NDJSON frames and the parser that turns LLM text deltas into frames and stored blocks.

Markdown goes out as `k=markdown` chunks (the first at once, later ones in pieces of about
FLUSH_AT characters); a fenced block opens with a `k=load` frame and is sent whole at its
closing fence as `k=code` (with its language in `t`) or `k=mermaid`. Fences split across deltas
are handled by holding back an incomplete line that could still become a fence.
"""

from __future__ import annotations

import json
from typing import Any

FLUSH_AT = 50
FENCE = "```"


NDJSON = "application/x-ndjson"  # one frame per line


def encode(frame: dict[str, Any]) -> bytes:
    """One compact JSON object and a newline."""
    return (json.dumps(frame, separators=(",", ":"), ensure_ascii=False) + "\n").encode()


class BlockBuilder:
    """Accumulates the stored blocks: consecutive markdown merged, fenced blocks kept whole."""

    def __init__(self) -> None:
        self.blocks: list[dict[str, Any]] = []

    def _add(self, key: str, content: str, **extra: Any) -> None:
        self.blocks.append(
            {"id": f"blk_{len(self.blocks)}", "key": key, "status": "complete", "content": content}
            | extra
        )

    def markdown(self, text: str) -> None:
        if not text:
            return
        if self.blocks and self.blocks[-1]["key"] == "markdown":
            self.blocks[-1]["content"] += text
        else:
            self._add("markdown", text)

    def fenced(self, kind: str, body: str, tag: str) -> None:
        if kind == "mermaid":
            self._add("mermaid", body)
        else:
            self._add("code", body, tag=tag)

    def result(self) -> list[dict[str, Any]]:
        """Blocks without whitespace-only markdown (what is stored and replayed)."""
        kept = [b for b in self.blocks if b["key"] != "markdown" or b["content"].strip()]
        return [{**b, "id": f"blk_{i}"} for i, b in enumerate(kept)]

    @property
    def text_length(self) -> int:
        return sum(len(b.get("content", "")) for b in self.blocks)


class FrameParser:
    """Feed text deltas; collect the frames to send. `finish()` flushes what is left."""

    def __init__(self) -> None:
        self.blocks = BlockBuilder()
        self._pending = ""  # markdown not yet sent
        self._line = ""  # the current, incomplete line (may still become a fence)
        self._fence: dict[str, str] | None = None  # open fenced block: kind, tag, body
        self._sent_first = False
        self._continuation = False  # the next line continues text already released

    # -- public ------------------------------------------------------------------------
    def feed(self, text: str) -> list[dict[str, Any]]:
        frames: list[dict[str, Any]] = []
        if (
            text
            and not self._line
            and self._fence is None
            and "\n" not in text
            and "`" not in text
            and (self._continuation or not text.isspace())
        ):
            # The usual delta, a few words inside a line: what the general path below does
            # with it (no line ends, no tail that could become a fence), without its steps.
            self._pending += text
            self._continuation = True
            self._flush(frames)
            return frames
        for line in self._lines(text):
            self._on_line(line, frames)
        self._hold_or_release_tail(frames)
        return frames

    def finish(self) -> list[dict[str, Any]]:
        frames: list[dict[str, Any]] = []
        if self._line:
            tail, self._line = self._line, ""
            if self._continuation:
                self._pending += tail
            elif self._fence is not None and tail.strip() == FENCE:
                self._close_fence(frames)
            elif self._fence is not None:
                self._fence["body"] += tail
            else:
                self._pending += tail
        if self._fence is not None:  # unclosed fence: send what we have
            self._close_fence(frames)
        self._flush(frames, force=True)
        return frames

    # -- internals ---------------------------------------------------------------------
    def _lines(self, text: str):
        """Complete lines (with their newline); the remainder stays in self._line."""
        buffer = self._line + text
        *complete, self._line = buffer.split("\n")
        for line in complete:
            yield line + "\n"

    def _on_line(self, line: str, frames: list[dict[str, Any]]) -> None:
        stripped = line.strip()
        continuation, self._continuation = self._continuation, False
        if continuation:  # the start of this line was already sent as markdown
            self._pending += line
            self._flush(frames)
        elif self._fence is None and stripped.startswith(FENCE):
            self._open_fence(stripped[len(FENCE) :].strip(), frames)
        elif self._fence is not None and stripped == FENCE:
            self._close_fence(frames)
        elif self._fence is not None:
            self._fence["body"] += line
        else:
            self._pending += line
            self._flush(frames)

    def _hold_or_release_tail(self, frames: list[dict[str, Any]]) -> None:
        # A tail at the start of a line that could still grow into a fence ("`", "``",
        # "```py", or the indentation before one) is held back; later in a line it cannot.
        if self._fence is not None or not self._line:
            return
        candidate = self._line.lstrip()
        if not self._continuation and (FENCE.startswith(candidate) or candidate.startswith(FENCE)):
            return
        self._pending += self._line
        self._line = ""
        self._continuation = True
        self._flush(frames)

    def _open_fence(self, info: str, frames: list[dict[str, Any]]) -> None:
        self._flush(frames, force=True)
        tag = info.split()[0].lower() if info else "code"
        kind = "mermaid" if tag == "mermaid" else "code"
        self._fence = {"kind": kind, "tag": tag, "body": ""}
        frames.append({"k": "load", "t": kind})

    def _close_fence(self, frames: list[dict[str, Any]]) -> None:
        fence, self._fence = self._fence, None
        assert fence is not None
        body = fence["body"].removesuffix("\n")
        self.blocks.fenced(fence["kind"], body, fence["tag"])
        if fence["kind"] == "mermaid":
            frames.append({"k": "mermaid", "c": body})
        else:
            frames.append({"k": "code", "c": body, "t": fence["tag"]})
        self._sent_first = True

    def _flush(self, frames: list[dict[str, Any]], *, force: bool = False) -> None:
        if not self._pending:
            return
        if force or not self._sent_first or len(self._pending) >= FLUSH_AT:
            text, self._pending = self._pending, ""
            self.blocks.markdown(text)
            frames.append({"k": "markdown", "c": text})
            self._sent_first = True


def blocks_to_llm_text(blocks: list[dict[str, Any]]) -> str:
    """Stored blocks as the text an LLM sees in history (fences restored)."""
    parts: list[str] = []
    for block in blocks or []:
        if not isinstance(block, dict):
            continue
        key, content = block.get("key"), block.get("content") or ""
        if key == "code":
            parts.append(f"{FENCE}{block.get('tag') or ''}\n{content}\n{FENCE}\n")
        elif key == "mermaid":
            parts.append(f"{FENCE}mermaid\n{content}\n{FENCE}\n")
        elif isinstance(content, str):
            parts.append(content)
    return "".join(parts).strip()
