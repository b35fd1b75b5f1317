// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {MockV3Aggregator} from "@chainlink/contracts/src/v0.8/tests/MockV3Aggregator.sol";

/// Chainlink's MockV3Aggregator (npm chainlink contracts 0.8.0), which stores
/// rounds but emits no events, plus the two events every production
/// aggregator emits when a round is written: NewRound then AnswerUpdated
/// (AggregatorInterface), as OCR's transmit does. Reads are the mock's own.
contract DrillAggregator is MockV3Aggregator {
    constructor(uint8 decimals_, int256 initialAnswer) MockV3Aggregator(decimals_, initialAnswer) {
        _announce(latestRound, initialAnswer, block.timestamp, block.timestamp);
    }

    /// A new round with `answer` at this block's time.
    function submit(int256 answer) external {
        updateAnswer(answer);
        _announce(latestRound, answer, block.timestamp, block.timestamp);
    }

    /// A round with every field given (back-dated or out-of-order rounds for drills).
    function submitRound(uint80 roundId, int256 answer, uint256 updatedAt, uint256 startedAt) external {
        updateRoundData(roundId, answer, updatedAt, startedAt);
        _announce(roundId, answer, updatedAt, startedAt);
    }

    function _announce(uint256 roundId, int256 answer, uint256 updatedAt, uint256 startedAt) private {
        emit NewRound(roundId, msg.sender, startedAt);
        emit AnswerUpdated(answer, roundId, updatedAt);
    }
}
