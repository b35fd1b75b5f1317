// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

/// An ERC-20 for the local drill world: the collateral (6 decimals, USD) and
/// the WETH-like base token (18 decimals) of the Uniswap v3 pool. Only the
/// deployer mints; nothing else differs from OpenZeppelin's ERC20.
contract DrillToken is ERC20, Ownable {
    uint8 private immutable decimals_;

    constructor(string memory name_, string memory symbol_, uint8 tokenDecimals)
        ERC20(name_, symbol_)
        Ownable(msg.sender)
    {
        decimals_ = tokenDecimals;
    }

    function decimals() public view override returns (uint8) {
        return decimals_;
    }

    function mint(address to, uint256 amount) external onlyOwner {
        _mint(to, amount);
    }
}
