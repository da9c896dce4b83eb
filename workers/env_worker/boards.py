"""Board games drawn as text, and moves by name, where that reads better than pixels.

A 256-pixel chess board downsampled to 40 cells is mush; `♜ ♞ ♝` is not. Chess also has
4,672 action indices, so a human types `e2e4` or `Nf3` and the worker says which index each
legal move is. Tic-tac-toe cells are numbered row by row like a phone keypad (1 2 3 on top),
on the board and in the move names alike. Which drawing and move naming a game uses is its
profile's `board` (`mosaic_tui.envs.profiles`); the drawings are here, by that name.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mosaic_tui.envs.profiles import profile, ttt_cell

TTT = {0: "·", 1: "X", 2: "O"}
GO_LETTERS = "ABCDEFGHJKLMNOPQRST"  # go skips I
C4 = {0: "·", 1: "●", 2: "○"}


def _ttt_board(env: Any) -> list[str]:
    # PettingZoo stores squares by column (square i is row i % 3, column i // 3); empty
    # cells show the digit that plays them, numbered row by row like a phone keypad
    squares = env.unwrapped.board.squares
    return [
        " ".join(
            TTT[squares[r + 3 * c]] if squares[r + 3 * c] else str(3 * r + c + 1)
            for c in range(3)
        )
        for r in range(3)
    ]


def _c4_board(env: Any) -> list[str]:
    cells = env.unwrapped.board  # 6 rows x 7 columns, top row first
    rows = [" ".join(C4[cells[7 * r + c]] for c in range(7)) for r in range(6)]
    return [" ".join(str(c + 1) for c in range(7)), *rows]


def _chess_board(env: Any) -> list[str]:
    lines = env.unwrapped.board.unicode(empty_square="·").splitlines()
    return [f"{8 - i} {line}" for i, line in enumerate(lines)] + ["  a b c d e f g h"]


def _go_board(env: Any) -> list[str]:
    base = env.unwrapped
    grid, n = base._go.board, base._N  # 1 black, -1 white, 0 empty; row 0 is the top
    letters = GO_LETTERS[:n]
    stones = {1: "●", -1: "○", 0: "·"}
    rows = [f"{n - r:>2} " + " ".join(stones[int(v)] for v in grid[r]) for r in range(n)]
    return [*rows, "   " + " ".join(letters)]


def _ttt_moves(env: Any, mask: list[int], agent: str) -> dict[str, int]:
    return {str(ttt_cell(a)): a for a, legal in enumerate(mask) if legal}


def _c4_moves(env: Any, mask: list[int], agent: str) -> dict[str, int]:
    return {str(a + 1): a for a, legal in enumerate(mask) if legal}


def _go_moves(env: Any, mask: list[int], agent: str) -> dict[str, int]:
    from pettingzoo.classic.go import coords

    n = env.unwrapped._N
    return {
        ("pass" if a == n * n else coords.to_gtp(coords.from_flat(a))): a
        for a, legal in enumerate(mask)
        if legal
    }


def _chess_moves(env: Any, mask: list[int], agent: str) -> dict[str, int]:
    from pettingzoo.classic.chess import chess_utils

    board = env.unwrapped.board
    player = env.unwrapped.possible_agents.index(agent)
    moves: dict[str, int] = {}
    for action, legal in enumerate(mask):
        if not legal:
            continue
        move = chess_utils.action_to_move(board, action, player)
        moves[move.uci()] = action
        moves[board.san(move)] = action
    return moves


def _openspiel_board(env: Any) -> list[str]:
    return env.unwrapped.board()  # OpenSpiel's own drawing of the position


def _openspiel_moves(env: Any, mask: list[int], agent: str) -> dict[str, int]:
    return env.unwrapped.moves(mask, agent)  # OpenSpiel's own move names


# A profile's `board` name -> how that board is drawn, and how its legal moves are named.
BOARDS: dict[str, Callable[[Any], list[str]]] = {
    "tictactoe": _ttt_board,
    "connect_four": _c4_board,
    "chess": _chess_board,
    "go": _go_board,
    "openspiel": _openspiel_board,
}
MOVES: dict[str, Callable[[Any, list[int], str], dict[str, int]]] = {
    "tictactoe": _ttt_moves,
    "connect_four": _c4_moves,
    "chess": _chess_moves,
    "go": _go_moves,
    "openspiel": _openspiel_moves,
}


def text_board(task: str, env: Any) -> list[str] | None:
    """The board as a few lines of text, or None for games without one."""
    draw = BOARDS.get(profile(task).board or "")
    return draw(env) if draw is not None else None


def named_moves(
    task: str, env: Any, mask: list[int] | None, agent: str | None
) -> dict[str, int] | None:
    """Legal moves by name -> action index: chess (UCI and SAN) and go (points like D4, and
    `pass`), typed by humans; tic-tac-toe cells (keypad numbers, as drawn on the board) and
    connect-four columns (1-7), so a decision-maker reading the board sees the same names."""
    if mask is None or agent is None:
        return None
    name = MOVES.get(profile(task).board or "")
    return name(env, mask, agent) if name is not None else None
